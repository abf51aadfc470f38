"""A worker goes on taking tasks after its broker crashed and came back
while it had a task running: a real prefork `celery worker` on a
redis-server of the test's own, shut down without saving and started again,
as the drill does (`python -m bench drill`)."""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from core.tests.workers import eventually, use_broker, worker_wait_ready
from project.celery import app as celery_app

pytestmark = [
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs the redis-server program"),
]

ROOT = Path(__file__).resolve().parents[2]


class OwnRedis:
    def __init__(self, scratch: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.log = scratch / "redis.log"
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--logfile", str(self.log)],
        )  # fmt: skip
        eventually(self._answers, seconds=20)

    def crash(self) -> None:
        """SHUTDOWN NOSAVE: every key and connection gone."""
        redis.Redis(port=self.port).shutdown(nosave=True)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def _answers(self) -> bool:
        try:
            return redis.Redis(port=self.port, socket_connect_timeout=0.5).ping()
        except redis.RedisError:
            return False


@pytest.fixture
def broker(tmp_path):
    server = OwnRedis(tmp_path)
    server.start()
    direct_url = celery_app.conf.broker_url
    use_broker(server.url)
    try:
        yield server
    finally:
        use_broker(direct_url)
        server.stop()


@pytest.fixture
def worker(broker, tmp_path):
    env = {**os.environ, "CELERY_BROKER_URL": broker.url, "CELERY_RESULT_BACKEND": broker.url}
    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "project", "worker", "-I", "core.tests.worker_tasks",
             "--pool=prefork", "--concurrency=2", "--loglevel=info"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    process.log_path = log_path
    celery_app.conf.task_always_eager = False
    try:
        worker_wait_ready()
        yield process
    finally:
        celery_app.conf.task_always_eager = True
        process.terminate()
        process.wait(timeout=30)


def test_a_worker_keeps_taking_tasks_after_the_broker_restarts_under_it(broker, worker, tmp_path):
    # given: a task running, unacked, while the worker waits for the next
    holding = tmp_path / "holding"
    celery_app.send_task("tests.hold", args=[str(holding), 5])
    eventually(holding.exists, seconds=20)
    time.sleep(0.5)

    # when: Redis crashes and is started again
    broker.crash()
    broker.start()

    # then: the worker is still there and runs a task sent afterwards
    marked = tmp_path / "marked"
    use_broker(broker.url)  # this process's pooled connections died with the server
    celery_app.send_task("tests.mark", args=[str(marked)])
    eventually(lambda: marked.exists() or worker.poll() is not None, seconds=60)
    assert worker.poll() is None, worker.log_path.read_text()[-12000:]
    assert marked.exists()
