"""Two real ASGI servers (uvicorn, as batch_scripts/asgi.sh runs them) on
the Redis channel layer and PostgreSQL: what one user does on one server
reaches the other user's socket on the other server, and a client that
reconnects to the other server with its last sequence number gets exactly
what it missed."""

import json

import pytest
from django.conf import settings
from django.db import connection
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from chat.consumers import CLOSE_UNAUTHORIZED
from chat.services.messages import conversation_read_mark
from chat.tests.factories import send
from chat.tests.sockets import AsgiServer, conversation_pair, frames_until, socket_path
from conftest import _database_url

pytestmark = [pytest.mark.postgresql, pytest.mark.redis, pytest.mark.slow]


@pytest.fixture(scope="module")
def servers(django_db_setup, django_db_blocker):
    """Started once for the module, on the test database."""
    with django_db_blocker.unblock():
        database_url = _database_url(connection.settings_dict)
    env = {
        "DJANGO_SETTINGS_MODULE": "project.settings_test",
        "DATABASE_URL": database_url,
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": settings.SECRET_KEY,
    }
    started = [AsgiServer(env), AsgiServer(env)]
    try:
        for server in started:
            server.wait_ready()
        yield started
    finally:
        for server in started:
            server.stop()


@pytest.fixture
def two_servers(servers, transactional_db):
    # The data each test makes is committed, for the servers to read.
    return servers


def _of_type(event_type):
    return lambda frame: frame["type"] == event_type


def _nothing_more(socket, seconds=0.3):
    try:
        frame = socket.recv(timeout=seconds)
    except TimeoutError:
        return True
    raise AssertionError(f"unexpected frame {frame}")


def test_two_users_on_two_servers_see_each_others_messages_receipts_and_typing_live(two_servers):
    one, two = two_servers
    pair = conversation_pair()
    conversation = pair.conversation.pk
    guest_frames = []

    with (
        connect(one.url + socket_path(pair.guest_key)) as guest,
        connect(two.url + socket_path(pair.host_key)) as host,
    ):
        assert json.loads(guest.recv(timeout=5))["type"] == "hello"
        assert json.loads(host.recv(timeout=5))["type"] == "hello"
        guest_frames += frames_until(guest, _of_type("presence"))
        assert guest_frames[-1]["payload"]["user"] == pair.host.pk
        assert guest_frames[-1]["payload"]["online"] is True

        question = send(pair.conversation, pair.guest, "Hola, ¿está libre en marzo?")
        guest_frames += frames_until(guest, _of_type("message.created"))
        host_created = frames_until(host, _of_type("message.created"))[-1]
        assert guest_frames[-1]["payload"]["message"] == host_created["payload"]["message"] == question.pk

        host.send(json.dumps({"type": "delivered", "conversation": conversation, "message": question.pk}))
        guest_frames += frames_until(guest, _of_type("conversation.delivered"))
        assert guest_frames[-1]["payload"] == {
            "conversation": conversation,
            "recipient": pair.host.pk,
            "last_delivered_id": question.pk,
        }

        conversation_read_mark(user=pair.host, conversation_id=conversation, message_id=question.pk)
        guest_frames += frames_until(guest, _of_type("conversation.read"))
        assert guest_frames[-1]["payload"] == {
            "conversation": conversation,
            "reader": pair.host.pk,
            "last_read_id": question.pk,
        }

        host.send(json.dumps({"type": "typing", "conversation": conversation}))
        guest_frames += frames_until(guest, _of_type("typing"))
        assert guest_frames[-1]["payload"] == {"conversation": conversation, "user": pair.host.pk}

        answer = send(pair.conversation, pair.host, "Sí, del 3 al 10.")
        guest_frames += frames_until(guest, _of_type("message.created"))
        assert guest_frames[-1]["payload"]["message"] == answer.pk

    # Nothing else reached the guest, and its lasting events were numbered one after another.
    assert [frame["type"] for frame in guest_frames] == [
        "presence",
        "message.created",
        "conversation.delivered",
        "conversation.read",
        "typing",
        "message.created",
    ]
    numbers = [frame["seq"] for frame in guest_frames if "seq" in frame]
    assert numbers == [1, 2, 3, 4]


def test_a_client_that_reconnects_to_the_other_server_gets_exactly_what_it_missed(two_servers):
    one, two = two_servers
    pair = conversation_pair()

    with connect(one.url + socket_path(pair.guest_key)) as guest:
        json.loads(guest.recv(timeout=5))
        first = send(pair.conversation, pair.guest, "¿Tiene estacionamiento?")
        last_seen = frames_until(guest, _of_type("message.created"))[-1]["seq"]

    missed = [send(pair.conversation, pair.host, f"Respuesta {n}") for n in range(3)]

    with connect(two.url + socket_path(pair.guest_key, since=last_seen)) as guest:
        hello = json.loads(guest.recv(timeout=5))
        replayed = [json.loads(guest.recv(timeout=5)) for _ in missed]
        assert _nothing_more(guest)

    assert first.pk not in [frame["payload"]["message"] for frame in replayed]
    assert hello == {"type": "hello", "user": pair.guest.pk, "seq": last_seen + 3}
    assert [(frame["seq"], frame["type"], frame["payload"]["message"]) for frame in replayed] == [
        (last_seen + n + 1, "message.created", message.pk) for n, message in enumerate(missed)
    ]


def test_a_real_server_closes_a_socket_without_a_valid_token_with_4401(two_servers):
    one, _ = two_servers

    with connect(one.url + socket_path("not-a-token")) as socket:
        error = json.loads(socket.recv(timeout=5))
        with pytest.raises(ConnectionClosed) as closed:
            socket.recv(timeout=5)

    assert error["code"] == "unauthorized"
    assert closed.value.rcvd.code == CLOSE_UNAUTHORIZED
    assert closed.value.rcvd.reason == "invalid or expired token"
