"""Sending Celery tasks from services: by name, after the caller's transaction
commits, and never at the cost of the request.

- `task_send_on_commit(name, *args)` is for work that must happen (a PDF, a
  ticket parse). The message is recorded (TaskMessage) in the caller's
  transaction and sent when it commits; the row is deleted once the broker
  has the message. When the broker is unreachable the row waits, and the
  periodic `task_outbox_resend` sends it once the broker is back. A process
  that dies between the send and the delete leaves a row that is sent again,
  so tasks sent this way must be idempotent.
- `task_wake(name)` wakes the worker that drains a table (the notification
  queue, the webhook outbox). The table is the record and a periodic run
  drains it anyway, so a lost wake-up costs latency, nothing else; a process
  sends at most one wake-up per task and second (WakeThrottle).

Publishing waits on the broker no longer than the connection timeouts in
settings allow (no retry), and after a failure the broker is left alone for
a few seconds: during an outage requests pay nothing for it."""

import functools
import logging
import threading
import time
from datetime import datetime, timedelta

from celery import Task
from celery.app.registry import TaskRegistry
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.utils import timezone

from core.breaker import Breaker
from core.models import TaskMessage
from project.celery import app

logger = logging.getLogger(__name__)

# A message younger than this is normally being sent by the process that
# committed it; the resend leaves it alone until then.
RESEND_GRACE = timedelta(seconds=30)
# A resend that fails waits this long before the row is taken again.
RESEND_RETRY_AFTER = timedelta(minutes=1)
# A message whose task this code does not know waits for a deploy that does.
UNKNOWN_TASK_RETRY_AFTER = timedelta(hours=1)
WAKE_INTERVAL_SECONDS = 1


# After a failed publish the broker is not tried for a few seconds.
broker_breaker = Breaker()


@functools.cache
def registered_tasks() -> TaskRegistry:
    """Every app's tasks. A web process imports no tasks module by itself
    (a worker discovers them when it starts); sending by name needs them."""
    app.autodiscover_tasks(force=True)
    return app.tasks


def _task(task_name: str) -> Task:
    try:
        return registered_tasks()[task_name]
    except KeyError:
        raise ValueError(f"no task is registered as {task_name!r}") from None


def task_send_on_commit(task_name: str, *args: int | str, countdown: float = 0) -> TaskMessage:
    """Send `task_name(*args)` once the current transaction commits (to run
    `countdown` seconds later), and again later if the broker did not take
    it then."""
    _task(task_name)
    message = TaskMessage.objects.create(
        task_name=task_name,
        args=list(args),
        next_attempt_at=timezone.now() + RESEND_GRACE + timedelta(seconds=countdown),
    )
    transaction.on_commit(functools.partial(_send_recorded, message.pk, task_name, list(args), countdown))
    return message


def task_wake(task_name: str) -> None:
    """Wake the worker that drains `task_name`'s table once the current
    transaction commits."""
    _task(task_name)
    transaction.on_commit(functools.partial(_wake_now, task_name))


def task_outbox_resend(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Send the recorded messages that did not leave after their commit.
    Returns how many the broker took."""
    if not (app.conf.task_always_eager or broker_breaker.allows()):
        return 0
    now = now or timezone.now()
    with transaction.atomic():
        due = TaskMessage.objects.filter(next_attempt_at__lte=now).order_by("next_attempt_at")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        messages = list(due.values_list("id", "task_name", "args")[:batch_size])
        TaskMessage.objects.filter(id__in=[message[0] for message in messages]).update(
            attempts=F("attempts") + 1, next_attempt_at=now + RESEND_RETRY_AFTER
        )
    sent = []
    for message_id, task_name, args in messages:
        if task_name not in registered_tasks():
            logger.error("task outbox: message %s is for unknown task %s", message_id, task_name)
            TaskMessage.objects.filter(id=message_id).update(
                last_error=f"unknown task {task_name}", next_attempt_at=now + UNKNOWN_TASK_RETRY_AFTER
            )
            continue
        if not _send(task_name, args):
            # The broker is down: the rest waits for the next run.
            TaskMessage.objects.filter(id__in=[m[0] for m in messages if m[0] not in sent]).update(
                last_error="the broker did not take the message"
            )
            break
        sent.append(message_id)
    TaskMessage.objects.filter(id__in=sent).delete()
    if sent:
        logger.warning("task outbox: resent %d message(s) that had not left after their commit", len(sent))
    return len(sent)


def _send_recorded(message_id: int, task_name: str, args: list, countdown: float = 0) -> None:
    if not _send(task_name, args, countdown=countdown):
        return
    try:
        TaskMessage.objects.filter(pk=message_id).delete()
    except DatabaseError:
        # The message left; at worst the resend sends it again.
        logger.warning("task outbox: could not delete sent message %s", message_id, exc_info=True)


class WakeThrottle:
    """At most one wake-up per task and interval from this process: the first
    is sent at once, later ones in the interval become one wake-up sent at
    its end, so a row committed just after a worker finished draining waits
    a second at most, not until the periodic run."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._lock = threading.Lock()
        self._next_free: dict[str, float] = {}

    def delay(self, task_name: str) -> float | None:
        """Seconds to delay this wake-up by, or None when one is already due."""
        now = time.monotonic()
        with self._lock:
            next_free = self._next_free.get(task_name, 0.0)
            if now >= next_free:
                self._next_free[task_name] = now + self.interval
                return 0.0
            if next_free - now <= self.interval:
                # The first one after the immediate one: sent for the end of the interval.
                self._next_free[task_name] = next_free + self.interval
                return next_free - now
            return None


wake_throttle = WakeThrottle(WAKE_INTERVAL_SECONDS)


def _wake_now(task_name: str) -> None:
    if app.conf.task_always_eager:
        # In-process (embedded, tests): there is no worker to wake later.
        _send(task_name, [])
        return
    delay = wake_throttle.delay(task_name)
    if delay is not None:
        _send(task_name, [], countdown=delay)


def _send(task_name: str, args: list, countdown: float = 0) -> bool:
    """Hand the message to the broker. False, logged, when it cannot be:
    after a commit nothing may fail the request."""
    task = _task(task_name)
    if app.conf.task_always_eager:
        # Runs here; how a failing task is reported is the eager settings' business.
        task.apply_async(args=args)
        return True
    if not broker_breaker.allows():
        return False
    try:
        # Not retried here: a recorded message is resent by task_outbox_resend,
        # a lost wake-up is made up for by the periodic run.
        task.apply_async(args=args, countdown=countdown or None, ignore_result=True, retry=False)
    except Exception as error:
        broker_breaker.trip()
        logger.error("could not send task %s to the broker: %s", task_name, error)
        return False
    return True
