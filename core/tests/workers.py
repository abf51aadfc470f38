"""For tests with real Celery workers: pointing this process's sends at a
broker, waiting for a worker to answer, and waiting for what it does."""

import time

from project.celery import app as celery_app


def use_broker(url: str) -> None:
    # Kombu keeps one pool per broker URL for the process: dropping the
    # app's references is enough to have the next send use `url`'s.
    celery_app.conf.broker_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def worker_wait_ready(seconds: float = 90) -> None:
    eventually(lambda: celery_app.control.ping(timeout=0.5), seconds, what="the Celery worker did not start")


def eventually(condition, seconds: float = 60, what: str = "not done in time") -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)
