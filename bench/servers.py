"""Start the app the production way (a WSGI server with worker processes)
and make sure it is stopped again, whatever happens to the benchmark."""

from __future__ import annotations

import atexit
import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.cpu import descendants
from bench.environment import REPO_ROOT, BenchEnvironment, BenchError

WSGI_APP = "project.wsgi:application"
READY_PATH = "/health/live"
_BIN = Path(sys.executable).parent


def _gunicorn(port: int, workers: int) -> list[str]:
    # Sync workers: one request at a time per process, no keep-alive.
    return [str(_BIN / "gunicorn"), "--workers", str(workers), "--worker-class", "sync"]


def _granian(port: int, workers: int) -> list[str]:
    # One blocking thread per worker: a request at a time per process, as with
    # gunicorn's sync workers. Granian's WSGI default (backlog / workers / 2 =
    # 256 threads) makes them fight over the GIL: lower throughput, p99 x4-x6
    # (BENCHMARKS.md). --server-option granian:--blocking-threads=N overrides it.
    # A worker that dies is started again, as batch_scripts/web.sh has it.
    return [
        str(_BIN / "granian"),
        "--interface",
        "wsgi",
        "--workers",
        str(workers),
        "--blocking-threads",
        "1",
        "--no-ws",
        "--respawn-failed-workers",
    ]


SERVER_COMMANDS = {
    "gunicorn": lambda port, workers: [*_gunicorn(port, workers), "--bind", f"127.0.0.1:{port}", WSGI_APP],
    "granian": lambda port, workers: [*_granian(port, workers), "--host", "127.0.0.1", "--port", str(port), WSGI_APP],
}

_running: set[Server] = set()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(eq=False)
class Server:
    """One WSGI server (master and workers) on a loopback port, with a fresh
    PROMETHEUS_MULTIPROC_DIR, as it runs in production."""

    kind: str
    env: BenchEnvironment
    workers: int = 2
    extra_env: dict[str, str] = field(default_factory=dict)
    # Further command-line options of the server, e.g. ["--blocking-threads", "1"].
    options: list[str] = field(default_factory=list)
    port: int = 0
    process: subprocess.Popen | None = None
    scratch: Path | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def metrics_dir(self) -> Path:
        assert self.scratch is not None
        return self.scratch / "prometheus"

    @property
    def log_path(self) -> Path:
        assert self.scratch is not None
        return self.scratch / "server.log"

    def start(self, timeout: float = 60) -> Server:
        if self.process is not None:
            return self  # already started (`with Server(...).start() as server`)
        if self.kind not in SERVER_COMMANDS:
            raise BenchError(f"unknown server {self.kind!r}; known: {', '.join(SERVER_COMMANDS)}")
        self.scratch = Path(tempfile.mkdtemp(prefix=f"bench-{self.kind}-"))
        self.metrics_dir.mkdir()
        self.port = free_port()
        env = self.env.server_env(PROMETHEUS_MULTIPROC_DIR=str(self.metrics_dir), **self.extra_env)
        with self.log_path.open("wb") as log:
            command = SERVER_COMMANDS[self.kind](self.port, self.workers)
            self.process = subprocess.Popen(
                [*command[:-1], *self.options, command[-1]],
                cwd=REPO_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own process group, so stopping it reaches every worker.
                start_new_session=True,
            )
        _running.add(self)
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"{self.kind} exited with {self.process.returncode}:\n{self.log_tail()}")
            if len(self.worker_pids()) >= self.workers:
                try:
                    status, _, _ = request(self.base_url + READY_PATH, timeout=2)
                except OSError:
                    status = None
                if status == 200:
                    return
            time.sleep(0.2)
        raise BenchError(f"{self.kind} not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def pids(self) -> list[int]:
        """The master and its workers."""
        return [self.process.pid, *self.worker_pids()] if self.process else []

    def worker_pids(self) -> list[int]:
        """Processes below the server's master (its workers)."""
        if self.process is None:
            return []
        return [pid for pid in descendants(self.process.pid) if _is_python(pid)]

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        _running.discard(self)
        if self.process is None:
            return
        if self.process.poll() is None:
            for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
                try:
                    os.killpg(self.process.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.process.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        # Workers left behind by a master that died first.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process = None
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def _is_python(pid: int) -> bool:
    try:
        return "python" in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
    except OSError:
        return False


def stop_all() -> None:
    for server in list(_running):
        server.stop()


def install_cleanup() -> None:
    """Stop every started server on exit, Ctrl-C (KeyboardInterrupt) and SIGTERM/SIGHUP."""
    atexit.register(stop_all)

    def terminate(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGHUP, terminate)


def request(url: str, headers: dict[str, str] | None = None, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    """GET `url`; returns status, headers (lower-case names) and body."""
    _scheme, _, rest = url.partition("://")
    host, _, path = rest.partition("/")
    connection = http.client.HTTPConnection(host, timeout=timeout)
    try:
        connection.request("GET", "/" + path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        return response.status, {name.lower(): value for name, value in response.getheaders()}, body
    finally:
        connection.close()
