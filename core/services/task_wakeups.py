"""Waking a worker after a commit without one task per row: a wake-up is
sent at most once per second per queue (the task then drains everything due)."""

from django.core.cache import cache

from project.celery import app

WAKE_INTERVAL_SECONDS = 1


def wake_once(name: str, task) -> None:
    if app.conf.task_always_eager:
        # In-process (embedded, tests): every wake-up runs, there is no worker to wake later.
        task.delay()
        return
    try:
        first = cache.add(f"wake:{name}", 1, timeout=WAKE_INTERVAL_SECONDS)
    except Exception:
        first = True
    if first:
        task.delay()
