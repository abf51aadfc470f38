"""The production topology on one machine, started as batch_scripts/ starts
it: granian WSGI (web.sh), the ASGI server for /ws/ (asgi.sh), Celery
workers (worker.sh) and beat (beat.sh); plus a Redis server of the bench's
own, so that restarting it (the drill) touches nobody else's data and its
CPU is the bench's alone. PostgreSQL is the machine's.

Every process runs in a session of its own, so stopping or killing one
reaches its children; all are stopped when the bench ends (bench.servers'
cleanup)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.cpu import descendants, process_seconds
from bench.environment import REPO_ROOT, BenchEnvironment, BenchError
from bench.servers import Server, _running, free_port, request

_BIN = Path(sys.executable).parent
REDIS_HINT = "redis-server is not installed. On Debian/Ubuntu: apt-get install -y redis-server"


@dataclass(eq=False)
class Service:
    """One long-running process (and its children) with a log."""

    name: str
    command: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen | None = None

    def start(self) -> Service:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command,
            cwd=REPO_ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        _running.add(self)
        return self

    def pids(self) -> list[int]:
        """The process and everything below it."""
        if self.process is None or self.process.poll() is not None:
            return []
        return [self.process.pid, *descendants(self.process.pid)]

    def kill(self) -> None:
        """kill -9, the whole process group: as a crashed worker or machine."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        _running.discard(self)
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=15)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        self.process = None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


@dataclass(eq=False)
class RedisServer:
    """A redis-server of the bench's own on a free loopback port, without persistence (as the machine's)."""

    scratch: Path
    port: int = 0
    service: Service | None = None

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:
            raise BenchError(REDIS_HINT)
        self.port = self.port or free_port()
        command = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.service = Service("redis", command, dict(os.environ), self.scratch / "redis.log").start()
        self._wait()
        return self

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def _wait(self, timeout: float = 10) -> None:
        import redis

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=0.5).ping()
                return
            except redis.RedisError:
                time.sleep(0.1)
        raise BenchError(f"redis-server on port {self.port} did not answer:\n{self.service.log_tail()}")

    def shutdown(self) -> None:
        """SHUTDOWN NOSAVE: every key and connection gone, as a crashed Redis."""
        import redis

        with contextlib.suppress(redis.RedisError):
            redis.Redis(port=self.port, socket_connect_timeout=0.5).shutdown(nosave=True)
        self.service.process.wait(timeout=10)

    def restart(self) -> None:
        self.shutdown()
        self.service.start()
        self._wait()

    def pids(self) -> list[int]:
        return self.service.pids() if self.service else []

    def stop(self) -> None:
        if self.service:
            self.service.stop()


@dataclass(eq=False)
class Topology:
    env: BenchEnvironment
    web_workers: int = 2
    celery_workers: int = 2
    worker_concurrency: int = 1
    # What the drill counts sends in (a file of pushes, a directory of e-mails).
    scratch: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="bench-topology-")))
    web: Server | None = None
    asgi: Service | None = None
    workers: list[Service] = field(default_factory=list)
    beat: Service | None = None

    @property
    def push_file(self) -> Path:
        return self.scratch / "push.jsonl"

    @property
    def email_dir(self) -> Path:
        return self.scratch / "emails"

    def app_env(self) -> dict[str, str]:
        """What the web server, the ASGI server and the workers are told."""
        self.email_dir.mkdir(exist_ok=True)
        return {
            "NOTIFICATION_PUSH_PROVIDER": "core.services.notification_channels.FilePushProvider",
            "NOTIFICATION_PUSH_FILE": str(self.push_file),
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.email_dir),
            # Static files and media of the bench's own (the tickets' documents).
            "MEDIA_ROOT": str(self.scratch / "media"),
        }

    def start(self, asgi_command: list[str] | None) -> Topology:
        extra = self.app_env()
        self.web = Server("granian", self.env, self.web_workers, extra_env=extra).start()
        if asgi_command:
            self.asgi = Service("asgi", asgi_command, self.env.server_env(**extra), self.scratch / "asgi.log").start()
        for number in range(1, self.celery_workers + 1):
            self.workers.append(self._worker(number).start())
        beat = [str(_BIN / "celery"), "-A", "project", "beat", "--loglevel=warning"]
        self.beat = Service("beat", beat, self.env.server_env(**extra), self.scratch / "beat.log").start()
        return self

    def _worker(self, number: int) -> Service:
        command = [str(_BIN / "celery"), "-A", "project", "worker", "--loglevel=warning",
                   f"--concurrency={self.worker_concurrency}", "-n", f"bench-worker{number}@%h"]  # fmt: skip
        env = self.env.server_env(**self.app_env())
        return Service(f"worker{number}", command, env, self.scratch / f"worker{number}.log")

    def restart_worker(self, index: int) -> None:
        self.workers[index] = self._worker(index + 1).start()

    def wait_workers_ready(self, timeout: float = 60) -> None:
        """Until every Celery worker answers a ping (they take a few seconds to start)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = subprocess.run(
                [str(_BIN / "celery"), "-A", "project", "inspect", "ping", "--timeout", "2"],
                cwd=REPO_ROOT,
                env=self.env.server_env(),
                capture_output=True,
                text=True,
            )
            if done.stdout.count("pong") >= len(self.workers):
                return
            time.sleep(1)
        logs = "\n".join(worker.log_tail() for worker in self.workers)
        raise BenchError(f"the Celery workers did not answer within {timeout:.0f} s:\n{logs}")

    def wait_asgi_ready(self, port: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.asgi.process.poll() is not None:
                raise BenchError(f"the ASGI server exited:\n{self.asgi.log_tail()}")
            with contextlib.suppress(OSError):
                status, _, _ = request(f"http://127.0.0.1:{port}/health/live", timeout=2)
                if status == 200:
                    return
            time.sleep(0.3)
        raise BenchError(f"the ASGI server did not answer within {timeout:.0f} s:\n{self.asgi.log_tail()}")

    def pid_groups(self) -> dict[str, list[int]]:
        return {
            "web": self.web.pids() if self.web else [],
            "asgi": self.asgi.pids() if self.asgi else [],
            "workers": [pid for worker in self.workers for pid in worker.pids()]
            + (self.beat.pids() if self.beat else []),
        }

    def stop(self) -> None:
        for service in [self.beat, *self.workers, self.asgi]:
            if service is not None:
                service.stop()
        if self.web is not None:
            # Kept with the others' logs (the server's scratch directory goes).
            with contextlib.suppress(OSError):
                shutil.copy(self.web.log_path, self.scratch / "web.log")
            self.web.stop()


class GroupCpuWatch:
    """CPU seconds of named groups of processes between start and stop, as
    shares of the machine; a process born meanwhile counts whole, one that
    ended meanwhile is lost (its share is then a lower bound)."""

    def __init__(self, groups) -> None:
        from bench.cpu import machine_seconds

        self._groups = groups  # a callable returning {name: [pid, ...]}
        self._start = {name: {pid: process_seconds([pid]) for pid in pids} for name, pids in groups().items()}
        self._busy, self._clock = machine_seconds()

    def stop(self) -> dict[str, float]:
        """Each group's share, and `machine`: how busy the whole machine was (every process)."""
        from bench.cpu import machine_seconds

        busy, clock = machine_seconds()
        elapsed = clock - self._clock
        shares = {"machine": (busy - self._busy) / elapsed if elapsed > 0 else 0.0}
        for name, pids in self._groups().items():
            before = self._start.get(name, {})
            used = sum(max(0.0, process_seconds([pid]) - before.get(pid, 0.0)) for pid in set(pids) | set(before))
            shares[name] = used / elapsed if elapsed > 0 else 0.0
        return shares
