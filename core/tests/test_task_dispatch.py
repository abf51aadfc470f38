"""Tasks sent by name after commit: recorded until the broker takes them,
never sent for a rolled-back change, wake-ups throttled per process."""

import pytest
from django.db import transaction
from django.utils import timezone

from core.models import TaskMessage
from core.services import task_dispatch
from core.services.task_dispatch import (
    RESEND_GRACE,
    WakeThrottle,
    task_outbox_resend,
    task_send_on_commit,
    task_wake,
)
from core.tasks import notification_queue_drain_task, warmup_cache_task
from core.tests.factories import CountryFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def warmups(monkeypatch):
    """Counts runs of the catalog warm-up task, a cheap idempotent task."""
    runs = []
    monkeypatch.setattr(warmup_cache_task, "run", lambda: runs.append(1) or {})
    return runs


def test_a_task_is_sent_after_commit_and_its_record_removed(warmups):
    with transaction.atomic():
        task_send_on_commit("core.warmup_cache")
        assert warmups == []
        assert TaskMessage.objects.count() == 1

    assert warmups == [1]
    assert not TaskMessage.objects.exists()


def test_a_rolled_back_change_sends_nothing_and_owes_nothing(warmups):
    def change_that_fails():
        with transaction.atomic():
            task_send_on_commit("core.warmup_cache")
            raise RuntimeError("the change fails")

    with pytest.raises(RuntimeError):
        change_that_fails()

    assert warmups == []
    assert not TaskMessage.objects.exists()


def test_an_unknown_task_is_refused_before_anything_is_written():
    with pytest.raises(ValueError, match="no task is registered"):
        task_send_on_commit("core.no_such_task")
    with pytest.raises(ValueError, match="no task is registered"):
        task_wake("core.no_such_task")
    assert not TaskMessage.objects.exists()


def test_a_message_the_broker_did_not_take_is_resent_once_after_the_grace(tasks_held, warmups):
    CountryFactory()
    task_send_on_commit("core.warmup_cache")
    assert TaskMessage.objects.count() == 1

    # The broker is back: the resend leaves the young message to its sender,
    # then sends it once.
    tasks_held.release()
    assert task_outbox_resend() == 0
    assert task_outbox_resend(now=timezone.now() + RESEND_GRACE) == 1
    assert task_outbox_resend(now=timezone.now() + RESEND_GRACE) == 0

    assert warmups == [1]
    assert not TaskMessage.objects.exists()


def test_while_the_broker_is_down_the_resend_claims_nothing(tasks_held):
    task_send_on_commit("core.warmup_cache")
    due = TaskMessage.objects.get().next_attempt_at

    assert task_outbox_resend(now=timezone.now() + RESEND_GRACE) == 0

    message = TaskMessage.objects.get()
    assert message.next_attempt_at == due
    assert message.attempts == 0


def test_wake_ups_are_throttled_to_one_now_and_one_at_the_end_of_the_interval():
    clock = [100.0]
    throttle = WakeThrottle(interval=1.0)
    task_dispatch_time = task_dispatch.time

    class Clock:
        @staticmethod
        def monotonic():
            return clock[0]

    task_dispatch.time = Clock
    try:
        assert throttle.delay("drain") == 0.0
        clock[0] = 100.3
        assert throttle.delay("drain") == pytest.approx(0.7)
        clock[0] = 100.5
        assert throttle.delay("drain") is None  # the one due at 101.0 covers it
        assert throttle.delay("other") == 0.0
        clock[0] = 105.0
        assert throttle.delay("drain") == 0.0
    finally:
        task_dispatch.time = task_dispatch_time


def test_wake_ups_run_in_process_when_tasks_are_eager(monkeypatch):
    runs = []
    monkeypatch.setattr(notification_queue_drain_task, "run", lambda: runs.append(1))

    with transaction.atomic():
        task_wake("core.notification_queue_drain")
        task_wake("core.notification_queue_drain")
        assert runs == []

    assert runs == [1, 1]
