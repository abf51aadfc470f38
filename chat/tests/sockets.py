"""Chat sockets for tests: a guest and a host with API tokens and a
conversation, clients of the ASGI application in this process
(WebsocketCommunicator), and real uvicorn servers in their own processes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from asgiref.testing import ApplicationCommunicator
from django.conf import settings

from bookings.tests.factories import ListingFactory
from chat.models import Conversation
from chat.services.conversations import conversation_ensure
from core.models import User
from core.services.api_tokens import api_token_create
from core.tests.factories import UserFactory
from project.asgi import application

ROOT = Path(settings.BASE_DIR)


@dataclass
class Pair:
    guest: User
    host: User
    conversation: Conversation
    guest_key: str
    host_key: str


def conversation_pair() -> Pair:
    listing = ListingFactory()
    guest = UserFactory(role="guest")
    conversation, _ = conversation_ensure(guest=guest, listing=listing)
    return Pair(
        guest=guest,
        host=listing.host,
        conversation=conversation,
        guest_key=api_token_create(user=guest)[1],
        host_key=api_token_create(user=listing.host)[1],
    )


def socket_path(key: str | None, since: int | None = None) -> str:
    query = {name: value for name, value in (("token", key), ("since", since)) if value is not None}
    return f"/ws/chat/?{urlencode(query)}"


class SocketClient(ApplicationCommunicator):
    """A WebSocket client of an ASGI application in this process (what
    channels.testing.WebsocketCommunicator does, without its daphne import)."""

    def __init__(self, path: str, headers: list[tuple[bytes, bytes]]) -> None:
        path, _, query = path.partition("?")
        super().__init__(
            application,
            {"type": "websocket", "path": path, "query_string": query.encode(), "headers": headers, "subprotocols": []},
        )

    async def connect(self) -> None:
        await self.send_input({"type": "websocket.connect"})
        accepted = await self.receive_output(5)
        assert accepted["type"] == "websocket.accept", accepted

    async def send_to(self, *, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is not None:
            await self.send_input({"type": "websocket.receive", "text": text_data})
        else:
            await self.send_input({"type": "websocket.receive", "bytes": bytes_data})

    async def send_json_to(self, data) -> None:
        await self.send_to(text_data=json.dumps(data))

    async def receive_json_from(self, timeout: float = 2):
        output = await self.receive_output(timeout)
        assert output["type"] == "websocket.send", output
        return json.loads(output["text"])

    async def disconnect(self, code: int = 1000) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": code})
        await self.wait(5)


async def socket_open(key: str | None, *, since: int | None = None, language: str = "es") -> SocketClient:
    """A socket of this process's ASGI application, past its handshake."""
    client = SocketClient(socket_path(key, since), headers=[(b"accept-language", language.encode())])
    await client.connect()
    return client


async def socket_hello(key: str, **options) -> tuple[SocketClient, int]:
    """An authenticated socket and the sequence number its hello frame gave."""
    communicator = await socket_open(key, **options)
    hello = await communicator.receive_json_from(timeout=5)
    assert hello["type"] == "hello", hello
    return communicator, hello["seq"]


async def sockets_of_pair(pair: Pair) -> tuple[SocketClient, SocketClient]:
    """The guest's socket and the host's, once the guest was told the host came online."""
    guest, _ = await socket_hello(pair.guest_key)
    host, _ = await socket_hello(pair.host_key)
    presence = await guest.receive_json_from()
    assert (presence["type"], presence["payload"]["user"]) == ("presence", pair.host.pk), presence
    return guest, host


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class AsgiServer:
    """`uvicorn project.asgi:application` as batch_scripts/asgi.sh runs it,
    on a free loopback port, in its own process."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        # A file, not a pipe: a server that logs much must never block on it.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop())
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "project.asgi:application", *asgi_server_options(self.port)],
            cwd=ROOT,
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"uvicorn exited: {self.log.read().decode(errors='replace')[-3000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("uvicorn did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def asgi_server_options(port: int) -> list[str]:
    # As batch_scripts/asgi.sh: no access log (the token is in the query string).
    return [
        *("--host", "127.0.0.1", "--port", str(port)),
        *("--ws", "websockets-sansio", "--no-access-log", "--log-level", "warning"),
    ]


def frames_until(connection, predicate, *, seconds: float = 5) -> list[dict]:
    """Frames read from a websockets client connection up to and including
    the first for which predicate is true."""
    frames = []
    deadline = time.monotonic() + seconds
    while True:
        frame = json.loads(connection.recv(timeout=max(0.01, deadline - time.monotonic())))
        frames.append(frame)
        if predicate(frame):
            return frames
