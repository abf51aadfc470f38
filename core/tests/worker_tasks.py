"""Tasks only the broker-restart test's worker loads (`celery worker -I`):
one that holds a pool process, one that leaves a mark."""

import time
from pathlib import Path

from celery import shared_task


@shared_task(name="tests.hold")
def hold(marker: str, seconds: float) -> None:
    Path(marker).touch()
    time.sleep(seconds)


@shared_task(name="tests.mark")
def mark(marker: str) -> None:
    Path(marker).touch()
