"""The chat socket: `/ws/chat/?token=<API token>[&since=<seq>]` (README,
"Chat in real time"). Each socket joins its user's group and forwards that
group's events in sequence order: a numbered event that arrives after a gap
(the layer lost or reordered one) is preceded by the missing ones read from
the user's log, and a duplicate is dropped, so a client sees every lasting
event once, in order, or a `resync` frame when the log no longer has it."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from datetime import UTC, datetime
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from chat.realtime import momentary_send, user_group
from chat.realtime_store import realtime_store
from chat.selectors.participants import conversation_other_participant, counterparts_recent
from chat.services.messages import conversation_delivered_mark
from chat.services.presence import presence_touch
from core.exceptions import DomainError
from core.services.api_tokens import api_token_authenticate

logger = logging.getLogger(__name__)

# The close code of a socket without a valid token (HTTP's 401, in the
# 4000-4999 range WebSocket leaves to applications).
CLOSE_UNAUTHORIZED = 4401
# The most people told when a user comes online or leaves.
PRESENCE_AUDIENCE_LIMIT = 200
# Conversations whose other participant a socket remembers (typing).
PARTNERS_REMEMBERED = 100
# Database ids fit a signed 64-bit column.
MAX_ID = 2**63 - 1


class FrameError(Exception):
    def __init__(self, code: str, message: str) -> None:
        self.code, self.message = code, message
        super().__init__(message)


def _in_thread(function):
    # Redis calls of the store: a blocking client, off the event loop.
    return sync_to_async(function, thread_sensitive=False)


def _language(scope) -> str:
    """The first supported language of the handshake's Accept-Language (Spanish otherwise)."""
    header = dict(scope.get("headers") or ()).get(b"accept-language", b"").decode("latin-1")
    for part in header.split(",")[:10]:
        try:
            return translation.get_supported_language_variant(part.split(";")[0].strip().lower())
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def _authenticate(key: str):
    token = api_token_authenticate(key=key) if key else None
    if token is None or not token.user.is_active:
        return None
    return token.user


def _whole(frame: dict, field: str, *, minimum: int = 1) -> int:
    value = frame.get(field)
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= MAX_ID:
        raise FrameError(
            "invalid_frame",
            _("«%(field)s» debe ser un número entero mayor o igual que %(minimum)d.")
            % {"field": field, "minimum": minimum},
        )
    return value


class ChatConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.user = None
        self.last_seq = 0
        # Held while numbered events are sent: the keep-alive's catch-up
        # and the layer's events never interleave.
        self.lasting = asyncio.Lock()
        self.partners: dict[int, int] = {}
        self.keep_alive = None
        self.window_start, self.window_frames = 0.0, 0
        self.language = _language(self.scope)
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        self.token_key = (query.get("token") or [""])[0][:200]
        user = await database_sync_to_async(_authenticate)(self.token_key)
        # Accepted before closing, so the client reads the code and the
        # reason (a refused handshake is only an HTTP 403 to it).
        await self.accept()
        if user is None:
            await self._refuse()
            return
        self.user = user
        await self.channel_layer.group_add(user_group(user.pk), self.channel_name)
        others_live = await _in_thread(realtime_store().connection_touch)(user.pk, self.channel_name)
        await database_sync_to_async(presence_touch)(user=user)
        self.last_seq = await _in_thread(realtime_store().sequence_last)(user.pk)
        await self._send({"type": "hello", "user": user.pk, "seq": self.last_seq})
        if "since" in query:
            try:
                since = _whole({"since": _number(query["since"][0])}, "since", minimum=0)
            except FrameError as error:
                await self._error(error.code, error.message)
                await self._resync(self.last_seq)
            else:
                await self._catch_up(since=since)
        self.keep_alive = asyncio.create_task(self._keep_alive())
        if others_live == 0:
            await self._presence_announce(online=True)

    async def disconnect(self, code) -> None:
        if self.user is None:
            return
        if self.keep_alive is not None:
            self.keep_alive.cancel()
        await self.channel_layer.group_discard(user_group(self.user.pk), self.channel_name)
        try:
            left = await _in_thread(realtime_store().connection_drop)(self.user.pk, self.channel_name)
        except Exception:
            logger.warning("chat socket: could not drop connection of user %s", self.user.pk, exc_info=True)
            return
        if left == 0:
            await self._presence_announce(online=False)

    # --- from the client ------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None) -> None:
        if self.user is None:
            return
        with translation.override(self.language):
            await self._receive(text_data)

    async def _receive(self, text_data: str | None) -> None:
        ref = None
        try:
            self._count_frame()
            if text_data is None:
                raise FrameError("binary_frame", _("Solo se admiten marcos de texto con JSON."))
            if len(text_data) > settings.CHAT_WS_MAX_FRAME_BYTES:
                raise FrameError(
                    "frame_too_large",
                    _("El marco supera los %(max)d caracteres.") % {"max": settings.CHAT_WS_MAX_FRAME_BYTES},
                )
            try:
                frame = json.loads(text_data)
            except ValueError:
                raise FrameError("malformed_json", _("El marco no es JSON válido.")) from None
            if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
                raise FrameError("invalid_frame", _("El marco debe ser un objeto JSON con un campo «type»."))
            ref = frame.get("ref") if isinstance(frame.get("ref"), str | int) else None
            handler = self.CLIENT_FRAMES.get(frame["type"])
            if handler is None:
                raise FrameError(
                    "unknown_type", _("Tipo de marco desconocido: «%(type)s».") % {"type": frame["type"][:40]}
                )
            await handler(self, frame)
        except FrameError as error:
            await self._error(error.code, error.message, ref=ref)
        except DomainError as error:
            await self._error(error.code, error.message, ref=ref)

    async def _ping(self, frame: dict) -> None:
        await self._send({"type": "pong"})

    async def _resume(self, frame: dict) -> None:
        await self._catch_up(since=_whole(frame, "since", minimum=0))

    async def _typing(self, frame: dict) -> None:
        conversation_id = _whole(frame, "conversation")
        other = await self._other_participant(conversation_id)
        if await _in_thread(realtime_store().typing_claim)(self.user.pk, conversation_id):
            await momentary_send(
                user_ids=[other], event_type="typing", payload={"conversation": conversation_id, "user": self.user.pk}
            )

    async def _delivered(self, frame: dict) -> None:
        conversation_id, message_id = _whole(frame, "conversation"), _whole(frame, "message")
        await database_sync_to_async(self._delivered_mark)(conversation_id, message_id)

    def _delivered_mark(self, conversation_id: int, message_id: int) -> None:
        # The conversation.delivered event goes out when this commits.
        with translation.override(self.language):
            conversation_delivered_mark(user=self.user, conversation_id=conversation_id, message_id=message_id)

    CLIENT_FRAMES = {"ping": _ping, "resume": _resume, "typing": _typing, "delivered": _delivered}

    # --- from the channel layer (the user's group) ---------------------------------------

    async def chat_event(self, message: dict) -> None:
        """A numbered event: sent if it is the next one, the missing ones first
        after a gap, dropped if already sent."""
        seq = message["seq"]
        async with self.lasting:
            if seq <= self.last_seq:
                return
            if seq == self.last_seq + 1:
                self.last_seq = seq
                await self.send(text_data=message["frame"])
                return
            await self._replay(until=seq)

    async def chat_momentary(self, message: dict) -> None:
        await self.send(text_data=message["frame"])

    # --- helpers ------------------------------------------------------------------------

    async def _catch_up(self, *, since: int | None = None) -> None:
        """Send the user's events after `since` (else after the last one
        sent) up to the latest."""
        async with self.lasting:
            if since is not None:
                self.last_seq = since
            await self._replay()

    async def _replay(self, until: int | None = None) -> None:
        """Send the user's events after last_seq (up to `until`) from the log,
        or a resync when the log no longer holds them all."""
        replay = await _in_thread(realtime_store().events_since)(self.user.pk, self.last_seq, until)
        if not replay.complete:
            await self._resync(replay.last_seq)
            return
        for frame in replay.frames:
            await self.send(text_data=frame)
        self.last_seq = max(self.last_seq, replay.last_seq if until is None else min(until, replay.last_seq))

    async def _resync(self, seq: int) -> None:
        # The client re-lists its conversations over HTTP and goes on from `seq`.
        self.last_seq = seq
        await self._send({"type": "resync", "seq": seq})

    async def _other_participant(self, conversation_id: int) -> int:
        other = self.partners.get(conversation_id)
        if other is None:
            other = await database_sync_to_async(conversation_other_participant)(
                user_id=self.user.pk, conversation_id=conversation_id
            )
            if other is None:
                raise FrameError("not_found", _("La conversación no existe o no participa en ella."))
            if len(self.partners) >= PARTNERS_REMEMBERED:
                self.partners.clear()
            self.partners[conversation_id] = other
        return other

    async def _presence_announce(self, *, online: bool) -> None:
        try:
            people = await database_sync_to_async(counterparts_recent)(
                user_id=self.user.pk, limit=PRESENCE_AUDIENCE_LIMIT
            )
            await momentary_send(
                user_ids=people,
                event_type="presence",
                payload={"user": self.user.pk, "online": online, "last_seen_at": datetime.now(UTC).isoformat()},
            )
        except Exception:
            logger.warning("chat socket: presence of user %s not announced", self.user.pk, exc_info=True)

    async def _keep_alive(self) -> None:
        """While connected: the connection counted live, the user online, and
        the token still valid (a revoked or expired one closes the socket)."""
        interval = settings.CHAT_CONNECTION_TTL_SECONDS / 3
        while True:
            # Jittered: sockets opened together do not renew together.
            await asyncio.sleep(interval * random.uniform(0.75, 1))
            try:
                if not await database_sync_to_async(self._still_allowed)():
                    await self._refuse()
                    return
                last_seq = await _in_thread(realtime_store().connection_renew)(self.user.pk, self.channel_name)
                # An event the layer lost with none after it to reveal the gap.
                if last_seq > self.last_seq:
                    await self._catch_up()
            except Exception:
                logger.warning("chat socket: keep-alive of user %s failed", self.user.pk, exc_info=True)

    def _still_allowed(self) -> bool:
        """The token still valid (then the user is still online)."""
        if _authenticate(self.token_key) is None:
            return False
        presence_touch(user=self.user)
        return True

    async def _refuse(self) -> None:
        with translation.override(self.language):
            message = _("Token no válido o vencido.")
        await self._error("unauthorized", message)
        await self.close(code=CLOSE_UNAUTHORIZED, reason="invalid or expired token")

    def _count_frame(self) -> None:
        now = time.monotonic()
        if now - self.window_start >= 1:
            self.window_start, self.window_frames = now, 0
        self.window_frames += 1
        if self.window_frames > settings.CHAT_WS_FRAMES_PER_SECOND:
            raise FrameError("too_many_frames", _("Demasiados marcos por segundo; este se descartó."))

    async def _error(self, code: str, message: str, *, ref=None) -> None:
        frame = {"type": "error", "code": code, "message": message}
        if ref is not None:
            frame["ref"] = ref
        await self._send(frame)

    async def _send(self, frame: dict) -> None:
        await self.send(text_data=json.dumps(frame, separators=(",", ":"), ensure_ascii=False))


def _number(text: str) -> int | str:
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 19 else text
