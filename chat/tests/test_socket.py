"""The chat socket in this process (the in-memory layer and store on
SQLite; Redis's when REDIS_URL is set): token on connect, error frames for
bad input, events only to participants, in order and without gaps or
repeats, typing throttled, missed events replayed on reconnect."""

import time

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from django.db import transaction
from django.utils import timezone

from chat.consumers import CLOSE_UNAUTHORIZED
from chat.realtime import events_publish, events_publish_on_commit, user_group, user_has_live_connection
from chat.realtime_store import _store_for, realtime_store
from chat.tests.sockets import conversation_pair, socket_hello, socket_open, sockets_of_pair
from core.models import ApiToken
from core.services.api_tokens import api_token_create
from core.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_layer_and_store(monkeypatch):
    # The consumer's database work runs on this thread, inside the test's
    # transaction, which Channels would otherwise close after each step.
    monkeypatch.setattr("channels.db.close_old_connections", lambda: None)
    # Each test runs its own event loop: layers and stores are made anew.
    channel_layers.backends.clear()
    _store_for.cache_clear()
    yield
    channel_layers.backends.clear()
    _store_for.cache_clear()


def run(scenario):
    async_to_sync(scenario)()


publish = sync_to_async(events_publish)


def _message_event(pair, message_id):
    return {
        "user_ids": [pair.guest.pk, pair.host.pk],
        "event_type": "message.created",
        "payload": {"conversation": pair.conversation.pk, "message": message_id},
    }


# --- authentication ---------------------------------------------------------------


@pytest.mark.parametrize("key", [None, "", "not-a-token", "0" * 40])
def test_a_socket_without_a_valid_token_is_closed_with_4401(key):
    async def scenario():
        socket = await socket_open(key)
        error = await socket.receive_json_from()
        closed = await socket.receive_output()

        assert error["type"] == "error"
        assert error["code"] == "unauthorized"
        assert error["message"] == "Token no válido o vencido."
        assert closed == {"type": "websocket.close", "code": CLOSE_UNAUTHORIZED, "reason": "invalid or expired token"}

    run(scenario)


def test_an_expired_token_or_an_inactive_user_is_refused_in_english_when_asked():
    user = UserFactory()
    token, expired_key = api_token_create(user=user)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    inactive = UserFactory(is_active=False)
    _, inactive_key = api_token_create(user=inactive)

    async def scenario():
        for key in (expired_key, inactive_key):
            socket = await socket_open(key, language="en")
            error = await socket.receive_json_from()
            closed = await socket.receive_output()
            assert error["message"] == "Invalid or expired token."
            assert closed["code"] == CLOSE_UNAUTHORIZED

    run(scenario)


def test_a_valid_token_opens_the_socket_with_the_users_last_sequence_number():
    pair = conversation_pair()
    events_publish(**_message_event(pair, 1))
    events_publish(**_message_event(pair, 2))

    async def scenario():
        socket, seq = await socket_hello(pair.guest_key)
        assert seq == 2
        await socket.disconnect()

    run(scenario)


# --- bad input --------------------------------------------------------------------


def test_bad_frames_get_an_error_frame_and_the_socket_stays_open():
    pair = conversation_pair()
    other_pair = conversation_pair()

    async def scenario():
        socket, _ = await socket_hello(pair.guest_key)
        answers = {}
        for name, text in {
            "not json": "{not json",
            "a list": "[1, 2]",
            "no type": '{"conversation": 1}',
            "unknown type": '{"type": "shout", "ref": "r1"}',
            "conversation not a number": '{"type": "typing", "conversation": "7"}',
            "conversation a boolean": '{"type": "typing", "conversation": true}',
            "conversation too big": '{"type": "typing", "conversation": 99999999999999999999}',
            "unknown conversation": '{"type": "typing", "conversation": 999999}',
            "someone else's conversation": f'{{"type": "typing", "conversation": {other_pair.conversation.pk}}}',
            "delivered in someone else's conversation": (
                f'{{"type": "delivered", "conversation": {other_pair.conversation.pk}, "message": 1}}'
            ),
            "negative since": '{"type": "resume", "since": -1}',
            "delivered without message": f'{{"type": "delivered", "conversation": {pair.conversation.pk}}}',
            "delivered of a message not in it": (
                f'{{"type": "delivered", "conversation": {pair.conversation.pk}, "message": 424242}}'
            ),
            "too large": '{"type": "ping", "pad": "' + "x" * 5000 + '"}',
        }.items():
            await socket.send_to(text_data=text)
            answers[name] = await socket.receive_json_from()
        await socket.send_to(bytes_data=b"\x00\x01")
        answers["binary"] = await socket.receive_json_from()

        assert {name: (answer["type"], answer["code"]) for name, answer in answers.items()} == {
            "not json": ("error", "malformed_json"),
            "a list": ("error", "invalid_frame"),
            "no type": ("error", "invalid_frame"),
            "unknown type": ("error", "unknown_type"),
            "conversation not a number": ("error", "invalid_frame"),
            "conversation a boolean": ("error", "invalid_frame"),
            "conversation too big": ("error", "invalid_frame"),
            "unknown conversation": ("error", "not_found"),
            "someone else's conversation": ("error", "not_found"),
            "delivered in someone else's conversation": ("error", "not_found"),
            "negative since": ("error", "invalid_frame"),
            "delivered without message": ("error", "invalid_frame"),
            "delivered of a message not in it": ("error", "unknown_message"),
            "too large": ("error", "frame_too_large"),
            "binary": ("error", "binary_frame"),
        }
        assert answers["unknown type"]["ref"] == "r1"
        assert all(answer["message"] for answer in answers.values())
        await socket.send_json_to({"type": "ping"})
        assert await socket.receive_json_from() == {"type": "pong"}
        await socket.disconnect()

    run(scenario)


def test_error_frames_speak_english_when_the_handshake_asks_for_it():
    pair = conversation_pair()

    async def scenario():
        socket, _ = await socket_hello(pair.guest_key, language="en-US,en;q=0.9")
        await socket.send_to(text_data="nope")
        error = await socket.receive_json_from()
        await socket.disconnect()

        assert error == {"type": "error", "code": "malformed_json", "message": "The frame is not valid JSON."}

    run(scenario)


def test_a_socket_sending_too_many_frames_gets_errors_not_work(settings):
    settings.CHAT_WS_FRAMES_PER_SECOND = 3
    pair = conversation_pair()

    async def scenario():
        socket, _ = await socket_hello(pair.guest_key)
        for _ in range(5):
            await socket.send_json_to({"type": "ping"})
        answers = [await socket.receive_json_from() for _ in range(5)]
        await socket.disconnect()

        assert [answer.get("code", answer["type"]) for answer in answers] == [
            "pong",
            "pong",
            "pong",
            "too_many_frames",
            "too_many_frames",
        ]

    run(scenario)


# --- who gets what ------------------------------------------------------------------


def test_both_participants_get_a_message_event_and_nobody_else_does():
    pair = conversation_pair()
    outsider = conversation_pair()

    async def scenario():
        guest, host = await sockets_of_pair(pair)
        stranger, _ = await socket_hello(outsider.guest_key)

        await publish(**_message_event(pair, 10))

        for socket in (guest, host):
            event = await socket.receive_json_from()
            assert event == {
                "seq": 1,
                "type": "message.created",
                "payload": {"conversation": pair.conversation.pk, "message": 10},
            }
        assert await stranger.receive_nothing(timeout=0.3)
        for socket in (guest, host, stranger):
            await socket.disconnect()

    run(scenario)


def test_typing_reaches_the_other_participant_at_most_once_per_throttle_window():
    pair = conversation_pair()

    async def scenario():
        guest, host = await sockets_of_pair(pair)

        for _ in range(3):
            await guest.send_json_to({"type": "typing", "conversation": pair.conversation.pk})

        typing = await host.receive_json_from()
        assert typing == {"type": "typing", "payload": {"conversation": pair.conversation.pk, "user": pair.guest.pk}}
        assert await host.receive_nothing(timeout=0.3)
        # The typist's own sockets are not told.
        assert await guest.receive_nothing(timeout=0.1)
        await guest.disconnect()
        await host.disconnect()

    run(scenario)


def test_the_other_side_is_told_when_a_user_comes_online_and_leaves():
    pair = conversation_pair()

    async def scenario():
        host, _ = await socket_hello(pair.host_key)
        guest, _ = await socket_hello(pair.guest_key)
        online = await host.receive_json_from()
        second_guest_socket, _ = await socket_hello(pair.guest_key)
        # A second socket of a user already online says nothing new.
        assert await host.receive_nothing(timeout=0.2)
        await second_guest_socket.disconnect()
        assert await host.receive_nothing(timeout=0.2)
        await guest.disconnect()
        offline = await host.receive_json_from()
        await host.disconnect()

        assert (online["type"], online["payload"]["user"], online["payload"]["online"]) == (
            "presence",
            pair.guest.pk,
            True,
        )
        assert (offline["type"], offline["payload"]["user"], offline["payload"]["online"]) == (
            "presence",
            pair.guest.pk,
            False,
        )

    run(scenario)


def test_live_connections_are_counted_while_open():
    pair = conversation_pair()
    live = sync_to_async(user_has_live_connection)

    async def scenario():
        assert not await live(pair.guest.pk)
        first, _ = await socket_hello(pair.guest_key)
        second, _ = await socket_hello(pair.guest_key)
        assert await live(pair.guest.pk)
        await first.disconnect()
        assert await live(pair.guest.pk)
        await second.disconnect()
        assert not await live(pair.guest.pk)

    run(scenario)


def test_a_connection_not_renewed_stops_counting_after_its_ttl(settings):
    # What a crashed ASGI process leaves behind: marks nobody renews.
    settings.CHAT_CONNECTION_TTL_SECONDS = 1
    store = realtime_store()
    store.connection_touch(41, "crashed-process-socket")
    assert user_has_live_connection(41)

    time.sleep(1.1)

    assert not user_has_live_connection(41)


# --- order, gaps and reconnecting ---------------------------------------------------


def test_an_event_the_layer_lost_is_sent_from_the_log_before_the_next_one():
    pair = conversation_pair()
    append = sync_to_async(realtime_store().events_append)

    async def scenario():
        guest, _ = await socket_hello(pair.guest_key)
        # Event 1 is numbered and logged, but its layer message never arrives.
        await append([(pair.guest.pk, '{"type":"message.created","payload":{"message":1}}')])
        await publish(user_ids=[pair.guest.pk], event_type="message.deleted", payload={"message": 1})

        frames = [await guest.receive_json_from(), await guest.receive_json_from()]
        assert [(frame["seq"], frame["type"]) for frame in frames] == [(1, "message.created"), (2, "message.deleted")]
        assert await guest.receive_nothing(timeout=0.2)
        await guest.disconnect()

    run(scenario)


def test_an_event_delivered_twice_or_late_is_sent_once():
    pair = conversation_pair()
    appended = realtime_store().events_append([(pair.guest.pk, '{"type":"message.created","payload":{}}')] * 2)
    first, second = ({"type": "chat.event", "seq": seq, "frame": frame} for _, seq, frame in appended)

    async def scenario():
        guest, seq = await socket_hello(pair.guest_key)
        assert seq == 2
        layer = channel_layers["default"]
        # Already covered by the hello's number: nothing to send.
        await layer.group_send(user_group(pair.guest.pk), first)
        await layer.group_send(user_group(pair.guest.pk), second)
        assert await guest.receive_nothing(timeout=0.2)
        await guest.disconnect()

    run(scenario)


def test_a_client_that_reconnects_with_its_last_number_gets_exactly_what_it_missed():
    pair = conversation_pair()

    async def scenario():
        guest, _ = await socket_hello(pair.guest_key)
        await publish(**_message_event(pair, 1))
        last_seen = (await guest.receive_json_from())["seq"]
        await guest.disconnect()

        for message_id in (2, 3, 4):
            await publish(**_message_event(pair, message_id))
        # Another user's events do not count in this user's numbering.
        await publish(user_ids=[pair.host.pk], event_type="conversation.read", payload={"last_read_id": 4})

        guest, seq = await socket_hello(pair.guest_key, since=last_seen)
        missed = [await guest.receive_json_from() for _ in range(3)]
        assert await guest.receive_nothing(timeout=0.2)
        await publish(**_message_event(pair, 5))
        live = await guest.receive_json_from()
        await guest.disconnect()

        assert seq == 4
        assert [(frame["seq"], frame["payload"]["message"]) for frame in missed] == [(2, 2), (3, 3), (4, 4)]
        assert (live["seq"], live["payload"]["message"]) == (5, 5)

    run(scenario)


def test_a_resume_frame_replays_like_since():
    pair = conversation_pair()
    for message_id in (1, 2, 3):
        events_publish(**_message_event(pair, message_id))

    async def scenario():
        guest, _ = await socket_hello(pair.guest_key)
        await guest.send_json_to({"type": "resume", "since": 1})
        frames = [await guest.receive_json_from() for _ in range(2)]
        assert await guest.receive_nothing(timeout=0.2)
        await guest.disconnect()

        assert [frame["seq"] for frame in frames] == [2, 3]

    run(scenario)


def test_a_client_further_behind_than_the_log_is_told_to_resync(settings):
    settings.CHAT_EVENT_LOG_LENGTH = 3
    pair = conversation_pair()
    for message_id in range(1, 7):
        events_publish(**_message_event(pair, message_id))

    async def scenario():
        behind, _ = await socket_hello(pair.guest_key, since=2)
        resync = await behind.receive_json_from()
        await behind.disconnect()
        within, _ = await socket_hello(pair.guest_key, since=3)
        frames = [await within.receive_json_from() for _ in range(3)]
        await within.disconnect()

        assert resync == {"type": "resync", "seq": 6}
        assert [frame["seq"] for frame in frames] == [4, 5, 6]

    run(scenario)


def test_a_number_the_store_never_gave_means_resync():
    # Redis lost its keys: the client's number is ahead of the user's.
    pair = conversation_pair()

    async def scenario():
        guest, _ = await socket_hello(pair.guest_key, since=50)
        assert await guest.receive_json_from() == {"type": "resync", "seq": 0}
        await guest.disconnect()

    run(scenario)


@pytest.mark.django_db(transaction=True)
def test_events_are_published_only_when_the_transaction_commits():
    pair = conversation_pair()

    async def scenario():
        guest, _ = await socket_hello(pair.guest_key)
        await database_sync_to_async(_publish_in_rolled_back_transaction)(pair)
        assert await guest.receive_nothing(timeout=0.2)
        await database_sync_to_async(_publish_in_committed_transaction)(pair)
        event = await guest.receive_json_from()
        await guest.disconnect()

        assert (event["seq"], event["payload"]["message"]) == (1, 2)

    run(scenario)


class _RolledBack(Exception):
    pass


def _publish_in_rolled_back_transaction(pair):
    try:
        with transaction.atomic():
            events_publish_on_commit(**_message_event(pair, 1))
            raise _RolledBack
    except _RolledBack:
        pass


def _publish_in_committed_transaction(pair):
    with transaction.atomic():
        events_publish_on_commit(**_message_event(pair, 2))


def test_a_lost_last_event_arrives_with_the_next_keep_alive(settings):
    settings.CHAT_CONNECTION_TTL_SECONDS = 0.3
    pair = conversation_pair()
    append = sync_to_async(realtime_store().events_append)

    async def scenario():
        guest, _ = await socket_hello(pair.guest_key)
        # Numbered and logged, but the layer lost it and nothing follows it.
        await append([(pair.guest.pk, '{"type":"message.created","payload":{"message":7}}')])
        event = await guest.receive_json_from(timeout=2)
        await guest.disconnect()

        assert event == {"seq": 1, "type": "message.created", "payload": {"message": 7}}

    run(scenario)


def test_a_socket_whose_token_is_revoked_is_closed_with_4401(settings):
    settings.CHAT_CONNECTION_TTL_SECONDS = 0.3
    pair = conversation_pair()

    async def scenario():
        guest, _ = await socket_hello(pair.guest_key)
        await database_sync_to_async(ApiToken.objects.filter(user=pair.guest).delete)()
        error = await guest.receive_json_from(timeout=2)
        closed = await guest.receive_output(timeout=2)

        assert error["code"] == "unauthorized"
        assert closed["code"] == CLOSE_UNAUTHORIZED

    run(scenario)


@pytest.mark.redis
def test_the_redis_layer_waits_for_events_longer_than_it_blocks():
    # An idle ASGI process blocks brpop_timeout seconds on Redis for events;
    # a socket timeout no longer than that ends the wait with an error that
    # closes every socket of the process.
    layer = channel_layers["default"]
    pool = async_to_sync(_pool_of)(layer)

    assert pool.connection_kwargs["socket_timeout"] > layer.brpop_timeout


async def _pool_of(layer):
    return layer.connection(0).connection_pool
