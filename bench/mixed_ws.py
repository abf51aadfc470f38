"""The mixed load's WebSocket clients: users kept connected to /ws/chat/ (the
recipients of the load's message sends), each noting when every
message.created frame arrived (wall clock, as the sender stamped its send).

A process of its own (`python -m bench.mixed_ws URL USERS_FILE OUT_FILE`:
asyncio, the pinned websockets client) so its CPU is counted apart from the
bench's; on SIGTERM it writes `message_id arrival_ms` lines and the count of
connections it lost, and exits. A dropped socket is opened again after a
second, as a client would (the drill restarts what it talks to), asking for
the events it missed meanwhile (`since=` the last sequence number it saw); a
`resync` answer (the server's log no longer holds them, e.g. Redis lost it)
is counted."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.environment import REPO_ROOT, BenchError

CONNECTS_PER_SECOND = 50


async def _client(url: str, token: str, arrivals: dict[int, float], state: dict, wait: float) -> None:
    from websockets.asyncio.client import connect

    await asyncio.sleep(wait)
    last_seq = None
    while not state["stopping"]:
        since = "" if last_seq is None else f"&since={last_seq}"
        try:
            async with connect(f"{url}?token={token}{since}", open_timeout=10, max_size=2**20) as socket:
                state["connected"] += 1
                async for frame in socket:
                    now = time.time() * 1000
                    event = json.loads(frame)
                    kind = event.get("type")
                    if kind == "message.created":
                        arrivals.setdefault(event["payload"]["message"], now)
                    elif kind == "resync":
                        state["resyncs"] += 1
                    if "seq" in event:
                        last_seq = event["seq"]
        except Exception:
            pass
        if state["stopping"]:
            return
        state["lost"] += 1
        await asyncio.sleep(1)


async def _main(url: str, tokens: list[str], out: Path) -> None:
    arrivals: dict[int, float] = {}
    state = {"stopping": False, "connected": 0, "lost": 0, "resyncs": 0}
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    # Users come online over a few seconds (CONNECTS_PER_SECOND), not all in one instant.
    tasks = [
        asyncio.create_task(_client(url, token, arrivals, state, number / CONNECTS_PER_SECOND))
        for number, token in enumerate(tokens)
    ]
    await stop.wait()
    state["stopping"] = True
    for task in tasks:
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.gather(*tasks, return_exceptions=True)
    lines = [f"{message} {at:.3f}" for message, at in arrivals.items()]
    counts = {key: state[key] for key in ("connected", "lost", "resyncs")}
    out.write_text("\n".join([json.dumps(counts), *lines]) + "\n")


class WsClients:
    """The client process, started and stopped by the bench."""

    def __init__(self, port: int, users: list[list]) -> None:
        self.url = f"ws://127.0.0.1:{port}/ws/chat/"
        self.users = users
        self.out = Path(tempfile.mkstemp(prefix="bench-mixed-ws-", suffix=".txt")[1])
        self.process: subprocess.Popen | None = None

    def start(self) -> WsClients:
        users_file = Path(tempfile.mkstemp(prefix="bench-mixed-ws-users-", suffix=".json")[1])
        users_file.write_text(json.dumps([token for _user, token in self.users]))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.mixed_ws", self.url, str(users_file), str(self.out)],
            cwd=REPO_ROOT,
        )
        return self

    def pids(self) -> list[int]:
        return [self.process.pid] if self.process and self.process.poll() is None else []

    def stop(self) -> tuple[dict[int, float], dict]:
        """Arrival (wall-clock ms) of each message id, and the connection counts."""
        if self.process is None:
            return {}, {}
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired as error:
            self.process.kill()
            raise BenchError("the WebSocket clients did not stop") from error
        lines = self.out.read_text().splitlines()
        self.out.unlink()
        if not lines:
            raise BenchError("the WebSocket clients wrote nothing")
        counts = json.loads(lines[0])
        arrivals = {int(message): float(at) for message, at in (line.split() for line in lines[1:])}
        return arrivals, counts


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main(sys.argv[1], json.loads(Path(sys.argv[2]).read_text()), Path(sys.argv[3])))
    os._exit(0)
