"""Live delivery of chat events to the participants' sockets (`/ws/chat/`,
chat.consumers), across processes through the channel layer.

Each user's socket joins the user's own group. The channel layer delivers
at most once, so every lasting event (a message, a deletion, a receipt) is
numbered per user and kept in that user's capped log (chat.realtime_store)
before it is sent: a socket that sees a gap, or a client that reconnects
with the last number it saw, is given what it missed from the log, or told
to re-list when the log no longer holds it. Typing and presence are
momentary: sent live, not numbered and not kept (a client that was away
re-lists presence with the inbox, and an old "typing" means nothing)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
from functools import partial

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from chat.realtime_store import realtime_store

logger = logging.getLogger(__name__)

# Kept in the user's log and numbered: a reconnecting client gets them again.
LASTING_EVENT_TYPES = frozenset({"message.created", "message.deleted", "conversation.read", "conversation.delivered"})
# Sent live only.
MOMENTARY_EVENT_TYPES = frozenset({"typing", "presence"})
EVENT_TYPES = LASTING_EVENT_TYPES | MOMENTARY_EVENT_TYPES


def user_group(user_id: int) -> str:
    """The channel-layer group every socket of the user joins."""
    return f"chat.user.{user_id}"


def event_body(event_type: str, payload: dict) -> str:
    """The event as the client reads it, without its sequence number (the
    store puts "seq" first when it numbers it)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown chat event type {event_type!r}")
    return json.dumps({"type": event_type, "payload": payload}, cls=DjangoJSONEncoder, separators=(",", ":"))


def events_publish_on_commit(*, user_ids: list[int], event_type: str, payload: dict) -> None:
    """Send the event to each user's sockets once the current transaction
    commits (at once outside one); nothing is sent if it rolls back. The
    payload is encoded now: later changes to it are not sent."""
    body = event_body(event_type, payload)
    transaction.on_commit(partial(_publish_logged, sorted(set(user_ids)), event_type, body))


def events_publish(*, user_ids: list[int], event_type: str, payload: dict) -> None:
    """Number, log and send the event now (no transaction to wait for)."""
    _publish(sorted(set(user_ids)), event_type, event_body(event_type, payload))


def user_has_live_connection(user_id: int) -> bool:
    """Whether the user has a socket open on any process. Each socket keeps
    its mark alive while connected (CHAT_CONNECTION_TTL_SECONDS, refreshed
    at a third of it), so a process that crashed stops counting within the TTL.
    With Redis unreachable: False (a push goes instead, the send goes on)."""
    try:
        return realtime_store().connections_live(user_id) > 0
    except Exception:
        logger.warning("chat: live connections of user %s unknown (Redis unavailable)", user_id, exc_info=True)
        return False


def _publish_logged(user_ids: list[int], event_type: str, body: str) -> None:
    # After the commit: the change is saved whatever happens here. With Redis
    # down the event is neither numbered nor sent; clients see it when they
    # next list (logged, not raised into a response that already succeeded).
    try:
        _publish(user_ids, event_type, body)
    except Exception:
        logger.exception("chat event %s to users %s was not published", event_type, user_ids)


def _publish(user_ids: list[int], event_type: str, body: str) -> None:
    if not user_ids:
        return
    if event_type in LASTING_EVENT_TYPES:
        messages = [
            (user_group(user_id), {"type": "chat.event", "seq": seq, "frame": frame})
            for user_id, seq, frame in realtime_store().events_append([(user_id, body) for user_id in user_ids])
        ]
    else:
        messages = [(user_group(user_id), {"type": "chat.momentary", "frame": body}) for user_id in user_ids]
    _group_send_all(messages)


class _PublishLoop:
    """An event loop in a thread of its own that this process's sync code
    (web requests, workers) publishes on. async_to_sync would run each
    publish on a new loop, where the channel layer opens new Redis
    connections every time; here they are opened once and kept."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.pid = 0

    def run(self, coroutine) -> None:
        with self.lock:
            # A forked worker has the loop but not its thread: it makes its own.
            if self.loop is None or self.pid != os.getpid():
                self.loop = asyncio.new_event_loop()
                threading.Thread(target=self.loop.run_forever, name="chat-publish", daemon=True).start()
                self.pid = os.getpid()
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        future.result(timeout=settings.CHAT_REDIS_TIMEOUT_SECONDS * 5)


_publish_loop = _PublishLoop()


def _group_send_all(messages: list[tuple[str, dict]]) -> None:
    layer = get_channel_layer()

    async def send_all() -> None:
        await asyncio.gather(*(layer.group_send(group, message) for group, message in messages))

    if isinstance(layer, InMemoryChannelLayer):
        # Its queues belong to the loop of this process's sockets: publish on it.
        async_to_sync(send_all)()
    else:
        _publish_loop.run(send_all())


async def momentary_send(*, user_ids: list[int], event_type: str, payload: dict) -> None:
    """A typing or presence event, from code already on the event loop (the consumer)."""
    if event_type not in MOMENTARY_EVENT_TYPES:
        raise ValueError(f"{event_type!r} is not a momentary event")
    body = event_body(event_type, payload)
    layer = get_channel_layer()
    # One after the other: sockets reconnecting together (after a Redis
    # restart) each announce their presence to dozens of people, and sending
    # those at once took more Redis connections than the pool allows.
    for user_id in user_ids:
        await layer.group_send(user_group(user_id), {"type": "chat.momentary", "frame": body})
