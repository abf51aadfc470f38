"""The notification queue: enqueueing in the caller's transaction,
preferences, retries and dead-lettering, and — on PostgreSQL with real worker
processes — exactly-once draining, a killed worker, a worker that finishes
late, and the naive claim that shows the duplicates these guard against."""

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.utils import timezone

from core.models import Notification, NotificationDelivery, NotificationOptOut, NotificationPreference
from core.services import notification_queue, notifications
from core.services.notification_channels import DeliveryFailed
from core.tests.factories import UserFactory

REPO_ROOT = Path(__file__).resolve().parents[2]
KIND = "webhook_endpoint_disabled"
DATA = {"url": "https://hooks.example.com/x", "reason_code": "gone", "failing_days": 5}
Status = NotificationDelivery.Status


def _push_only(user) -> None:
    """The user gets this kind by push only, so each delivery is one line in the push file."""
    NotificationPreference.objects.bulk_create(
        [
            NotificationPreference(user=user, kind=KIND, channel="email", enabled=False),
            NotificationPreference(user=user, kind=KIND, channel="in_app", enabled=False),
            NotificationPreference(user=user, kind=KIND, channel="push", enabled=True),
        ]
    )


def _queue(user, count: int) -> None:
    now = timezone.now()
    Notification.objects.bulk_create(
        (
            Notification(recipient=user, kind=KIND, language="es", subject=f"n{i}", body="b", created_at=now)
            for i in range(count)
        ),
        batch_size=2000,
    )


def _database_url() -> str:
    from conftest import _database_url as url_of

    return url_of(connection.settings_dict)


def _worker(push_file: Path, *args: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_notification_worker", *args],
        cwd=REPO_ROOT,
        env={
            **os.environ,
            "DATABASE_URL": _database_url(),
            "SECRET_KEY": "test",
            "NOTIFICATION_PUSH_PROVIDER": "core.services.notification_channels.FilePushProvider",
            "NOTIFICATION_PUSH_FILE": str(push_file),
            "LOG_LEVEL": "ERROR",
            **env,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _pushed_ids(push_file: Path) -> list[str]:
    if not push_file.exists():
        return []
    return [json.loads(line)["title"] for line in push_file.read_text().splitlines()]


def _finish(*workers: subprocess.Popen, check: bool = True) -> None:
    for worker in workers:
        output, _ = worker.communicate(timeout=120)
        assert worker.returncode == 0 or not check, output


# --- service level, both databases ------------------------------------------------


@pytest.mark.django_db
def test_a_rolled_back_change_enqueues_nothing():
    # given
    user = UserFactory()

    # when
    def change_that_fails():
        with transaction.atomic():
            notifications.enqueue_notification(recipient=user, kind=KIND, data=DATA)
            raise RuntimeError("the caller's change fails")

    with pytest.raises(RuntimeError):
        change_that_fails()

    # then
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_the_notification_is_rendered_in_the_recipients_language():
    spanish, english = UserFactory(preferred_language="es"), UserFactory(preferred_language="en")

    first = notifications.send_notification_async(KIND, spanish, DATA)
    second = notifications.send_notification_async(KIND, english, DATA)

    assert first.subject == "Desactivamos tu webhook https://hooks.example.com/x"
    assert "Motivo: respondió 410 Gone" in first.body
    assert second.subject == "We disabled your webhook https://hooks.example.com/x"


@pytest.mark.django_db
def test_a_drained_notification_reaches_the_default_channels(mailoutbox):
    user = UserFactory(email="ana@example.com")
    notifications.enqueue_notification(recipient=user, kind=KIND, data=DATA)

    handled = notification_queue.notification_queue_drain(worker="w")

    assert handled == 1
    assert sorted(NotificationDelivery.objects.values_list("channel", "status")) == [
        ("email", "sent"),
        ("in_app", "sent"),
    ]
    assert [message.to for message in mailoutbox] == [["ana@example.com"]]
    assert Notification.objects.get().done_at is not None


@pytest.mark.django_db
def test_preferences_and_unsubscribe_are_honoured(mailoutbox):
    # given: one user turned e-mail off and push on, another unsubscribed
    chooser, gone = UserFactory(), UserFactory()
    NotificationPreference.objects.create(user=chooser, kind=KIND, channel="email", enabled=False)
    NotificationPreference.objects.create(user=chooser, kind=KIND, channel="push", enabled=True)
    NotificationOptOut.objects.create(user=gone)
    notifications.enqueue_notification(recipient=chooser, kind=KIND, data=DATA)
    notifications.enqueue_notification(recipient=gone, kind=KIND, data=DATA)

    # when
    notification_queue.notification_queue_drain(worker="w")

    # then
    assert sorted(
        NotificationDelivery.objects.filter(notification__recipient=chooser).values_list("channel", flat=True)
    ) == [
        "in_app",
        "push",
    ]
    assert not NotificationDelivery.objects.filter(notification__recipient=gone).exists()
    assert mailoutbox == []
    assert Notification.objects.filter(done_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_transient_failures_back_off_then_the_delivery_is_dead(monkeypatch, settings):
    # given: an e-mail server that always fails, and a clock we move by hand
    settings.NOTIFICATION_MAX_ATTEMPTS = 4
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 30

    def failing_send(delivery):
        raise DeliveryFailed("SMTP 451 try later")

    monkeypatch.setattr(notification_queue, "channel_send", failing_send)
    user = UserFactory()
    NotificationPreference.objects.create(user=user, kind=KIND, channel="in_app", enabled=False)
    notifications.enqueue_notification(recipient=user, kind=KIND, data=DATA)
    before = timezone.now()
    notification_queue.notification_queue_drain(worker="w")
    delivery = NotificationDelivery.objects.get()
    waits = []

    # when: each retry is run when it is due, and not a second earlier
    while delivery.status == Status.FAILED:
        waits.append((delivery.next_attempt_at - before).total_seconds())
        notification_queue.notification_deliveries_retry_due(now=delivery.next_attempt_at - timedelta(seconds=1))
        assert NotificationDelivery.objects.get().attempt_count == delivery.attempt_count
        before = timezone.now()
        notification_queue.notification_deliveries_retry_due(now=delivery.next_attempt_at)
        delivery.refresh_from_db()

    # then: 30 s, 60 s, 120 s (±20%), then dead after the fourth attempt
    assert delivery.status == Status.DEAD
    assert delivery.attempt_count == 4
    assert delivery.last_error == "SMTP 451 try later"
    for wait, base in zip(waits, [30, 60, 120], strict=True):
        assert base * 0.8 - 1 <= wait <= base * 1.2 + 1

    # and staff's retry gives it exactly one more attempt
    monkeypatch.setattr(notification_queue, "channel_send", lambda delivery: None)
    assert notification_queue.notification_delivery_retry_now(delivery_ids=[delivery.id]) == 1
    notification_queue.notification_deliveries_retry_due()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count) == (Status.SENT, 5)


@pytest.mark.django_db
def test_rows_of_a_worker_that_died_after_claiming_are_swept_and_delivered_once(tmp_path, settings):
    # given: a worker claimed a batch and died before fanning it out
    settings.NOTIFICATION_PUSH_PROVIDER = "core.services.notification_channels.FilePushProvider"
    settings.NOTIFICATION_PUSH_FILE = str(tmp_path / "push.jsonl")
    user = UserFactory()
    _push_only(user)
    _queue(user, 20)
    dead_claim = notification_queue.notification_queue_claim(worker="dead", batch_size=20)
    assert len(dead_claim.notifications) == 20

    # when: a sweep before the lease ends changes nothing; one after it gives them back
    assert notification_queue.notification_queue_sweep() == 0
    assert notification_queue.notification_queue_drain(worker="alive") == 0
    later = timezone.now() + timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS + 1)
    assert notification_queue.notification_queue_sweep(now=later) == 20
    notification_queue.notification_queue_drain(worker="alive")

    # then
    assert sorted(_pushed_ids(tmp_path / "push.jsonl")) == sorted(f"n{i}" for i in range(20))
    assert set(Notification.objects.values_list("retry_count", flat=True)) == {1}


@pytest.mark.django_db
def test_a_late_worker_writes_nothing_once_its_claim_was_taken_back(tmp_path, settings):
    # given: worker A's claim expired and B took the rows
    user = UserFactory()
    _push_only(user)
    _queue(user, 5)
    late = notification_queue.notification_queue_claim(worker="A", batch_size=5)
    notification_queue.notification_queue_sweep(
        now=timezone.now() + timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS + 1)
    )
    # (rows taken back are claimed one at a time)
    while notification_queue.notification_queue_claim(worker="B", batch_size=5).notifications:
        pass

    # when: A wakes up and fans out its old claim
    to_send = notification_queue._fan_out(late, locking=True, now=timezone.now())

    # then: nothing — B's claim is the only valid one
    assert to_send == []
    assert not NotificationDelivery.objects.exists()
    assert set(Notification.objects.values_list("lock_owner", flat=True)) == {"B"}


@pytest.mark.django_db
@pytest.mark.parametrize("new_owner", ["failed", "still sending"])
def test_a_late_successful_send_writes_nothing_over_the_new_owners_outcome(tmp_path, settings, new_owner):
    # given: sender A took a push delivery (attempt 1) and stalled past its
    # lease; the retry job gave it to B (attempt 2), whose push failed or is
    # still under way
    settings.NOTIFICATION_PUSH_FILE = str(tmp_path / "push.jsonl")
    user = UserFactory()
    _push_only(user)
    _queue(user, 1)
    claim = notification_queue.notification_queue_claim(worker="A", batch_size=1)
    taken_by_a = notification_queue._fan_out(claim, locking=True, now=timezone.now())
    after_the_lease = timezone.now() + timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS + 1)
    taken_by_b = notification_queue._deliveries_claim_due(batch_size=10, now=after_the_lease)
    if new_owner == "failed":
        settings.NOTIFICATION_PUSH_PROVIDER = "core.tests.push_providers.UnreachablePushProvider"
        assert notification_queue.deliveries_send(taken_by_b, lease_started=time.monotonic()) == 0
    owners = NotificationDelivery.objects.get()

    # when: A wakes up and its push goes through
    settings.NOTIFICATION_PUSH_PROVIDER = "core.services.notification_channels.FilePushProvider"
    sent = notification_queue.deliveries_send(taken_by_a, lease_started=time.monotonic())

    # then: the push happened (too late to take back), but the row still
    # says what its owner B made of it
    assert (taken_by_a, taken_by_b) == ([(owners.id, 1)], [(owners.id, 2)])
    assert sent == 1
    assert _pushed_ids(tmp_path / "push.jsonl") == ["n0"]
    late = NotificationDelivery.objects.get()
    assert (late.status, late.attempt_count, late.sent_at, late.last_error, late.next_attempt_at) == (
        Status.FAILED if new_owner == "failed" else Status.SENDING,
        2,
        None,
        owners.last_error,
        owners.next_attempt_at,
    )
    if new_owner == "failed":
        assert "push service unreachable" in late.last_error


@pytest.mark.django_db
def test_a_notification_that_fails_every_worker_is_parked_dead_and_staff_can_retry_it(tmp_path, settings, client):
    # given: a batch in which one notification's kind no longer exists (queued
    # before a deploy removed it): fanning it out fails, and the claim on the
    # batch is only given back by the sweep once its lease expires
    settings.NOTIFICATION_PUSH_PROVIDER = "core.services.notification_channels.FilePushProvider"
    settings.NOTIFICATION_PUSH_FILE = str(tmp_path / "push.jsonl")
    user = UserFactory()
    _push_only(user)
    _queue(user, 4)
    poison = Notification.objects.create(recipient=user, kind="retired_kind", language="es", subject="poison", body="b")

    def after_the_lease():
        return timezone.now() + timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS + 1)

    # when: every claim holding it fails, and the sweep takes it back each time
    sweeps = 0
    while sweeps < 10 and not Notification.objects.filter(pk=poison.pk, dead_at__isnull=False).exists():
        with pytest.raises(KeyError):
            notification_queue.notification_queue_drain(worker="w")
        notification_queue.notification_queue_sweep(now=after_the_lease())
        sweeps += 1

    # then: parked after NOTIFICATION_MAX_CLAIMS claims and no longer claimed;
    # the others, claimed alone once taken back, were delivered once
    assert sweeps == settings.NOTIFICATION_MAX_CLAIMS == 5
    assert sorted(_pushed_ids(tmp_path / "push.jsonl")) == ["n0", "n1", "n2", "n3"]
    assert notification_queue.notification_queue_drain(worker="w") == 0
    assert notification_queue.notification_queue_sweep(now=after_the_lease()) == 0
    poison.refresh_from_db()
    assert (poison.processing, poison.done_at, poison.retry_count) == (False, None, 5)

    # and staff find it among the dead ones in the admin and, once its kind
    # is back, retry it
    Notification.objects.filter(pk=poison.pk).update(kind=KIND)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    listed = client.get("/admin/core/notification/", {"estado": "dead"})
    assert [row.pk for row in listed.context["cl"].result_list] == [poison.pk]
    retried = client.post("/admin/core/notification/", {"action": "retry", "_selected_action": [poison.pk]})
    assert retried.status_code == 302
    assert notification_queue.notification_queue_drain(worker="w") == 1
    assert _pushed_ids(tmp_path / "push.jsonl")[-1] == "poison"
    assert client.get("/admin/core/notification/", {"estado": "dead"}).context["cl"].result_list.count() == 0


@pytest.mark.django_db
def test_deliveries_the_lease_leaves_no_time_for_are_given_back_without_counting(monkeypatch):
    # given: a sender whose lease runs out after its first send
    user = UserFactory()
    _push_only(user)
    _queue(user, 3)
    claim = notification_queue.notification_queue_claim(worker="w", batch_size=3)
    to_send = notification_queue._fan_out(claim, locking=True, now=timezone.now())
    ticks = iter([0.0])

    # when
    with monkeypatch.context() as patched:
        patched.setattr(notification_queue.time, "monotonic", lambda: next(ticks, 10_000.0))
        sent = notification_queue.deliveries_send(to_send, lease_started=0.0)

    # then: the other two are due again at once, their attempt not counted
    assert sent == 1
    assert sorted(NotificationDelivery.objects.values_list("status", "attempt_count", "sender_lost_count")) == [
        (Status.PENDING, 0, 0),
        (Status.PENDING, 0, 0),
        (Status.SENT, 1, 0),
    ]
    assert NotificationDelivery.objects.filter(status=Status.PENDING, next_attempt_at__lte=timezone.now()).count() == 2


# --- real worker processes on PostgreSQL --------------------------------------------


# Fifteen batches of the default 200: every worker claims many times while
# the others do. (The guarantee at scale is the benchmark's: bench/queue.py.)
QUEUED = 3_000


def _four_workers_drain_the_queue(tmp_path, *worker_options: str, check: bool = True) -> list[str]:
    """Queue QUEUED notifications (push only) and drain them with four worker
    processes at once; returns what was pushed, one title per push."""
    user = UserFactory()
    _push_only(user)
    _queue(user, QUEUED)
    push_file = tmp_path / "push.jsonl"

    workers = [_worker(push_file, *worker_options, "--name", f"w{n}") for n in range(4)]
    _finish(*workers, check=check)

    return _pushed_ids(push_file)


@pytest.mark.postgresql
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_four_workers_drain_the_queue_exactly_once(tmp_path):
    pushed = _four_workers_drain_the_queue(tmp_path)

    assert len(pushed) == QUEUED
    assert len(set(pushed)) == QUEUED
    assert Notification.objects.filter(done_at__isnull=True).count() == 0
    assert NotificationDelivery.objects.filter(status=Status.SENT).count() == QUEUED


@pytest.mark.postgresql
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_control_the_naive_claim_delivers_twice(tmp_path):
    """Proof that the test above can fail: the same workers with the claim's
    guard switched off in the service (`locking=False`: no SKIP LOCKED, no
    lease, no fencing) read the same rows and send them twice."""
    # Unlocked workers also deadlock on each other's rows now and then; what
    # matters here is what they sent before.
    pushed = _four_workers_drain_the_queue(tmp_path, "--without-locking", check=False)

    assert len(pushed) > len(set(pushed)), "the naive claim happened to deliver no duplicate"


def _wait_for(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


@pytest.mark.postgresql
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_loses_its_rows_to_another_after_the_lease(tmp_path):
    # given: worker A took a batch for sending and hangs before sending any
    user = UserFactory()
    _push_only(user)
    _queue(user, 50)
    push_file = tmp_path / "push.jsonl"
    stalled = _worker(
        push_file,
        "--name",
        "A",
        NOTIFICATION_PUSH_PROVIDER="core.tests.push_providers.StallingPushProvider",
        PUSH_STALL_SECONDS="600",
        NOTIFICATION_LEASE_SECONDS="3",
    )
    _wait_for(lambda: NotificationDelivery.objects.filter(status=Status.SENDING).count() == 50)

    # when: A is killed; B runs before the lease ends, then after it
    stalled.send_signal(signal.SIGKILL)
    stalled.wait(timeout=10)
    _finish(_worker(push_file, "--name", "B-early"))
    assert _pushed_ids(push_file) == []
    time.sleep(3.5)
    _finish(_worker(push_file, "--name", "B"))

    # then: every notification delivered, once
    pushed = _pushed_ids(push_file)
    assert sorted(pushed) == sorted(f"n{i}" for i in range(50))
    assert NotificationDelivery.objects.filter(status=Status.SENT).count() == 50


@pytest.mark.postgresql
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_that_finishes_late_sends_nothing_another_has_sent(tmp_path):
    # given: worker A hangs for longer than its lease on its first send
    user = UserFactory()
    _push_only(user)
    _queue(user, 30)
    push_file = tmp_path / "push.jsonl"
    late = _worker(
        push_file,
        "--name",
        "A",
        NOTIFICATION_PUSH_PROVIDER="core.tests.push_providers.StallingPushProvider",
        PUSH_STALL_SECONDS="6",
        NOTIFICATION_LEASE_SECONDS="3",
    )
    _wait_for(lambda: NotificationDelivery.objects.filter(status=Status.SENDING).count() == 30)

    # when: B takes the rows after the lease, and A then wakes up and carries on
    time.sleep(3.5)
    _finish(_worker(push_file, "--name", "B"))
    _finish(late)

    # then: each one was sent once, by B
    pushed = _pushed_ids(push_file)
    assert sorted(pushed) == sorted(f"n{i}" for i in range(30))
    assert NotificationDelivery.objects.filter(status=Status.SENT).count() == 30


@pytest.mark.postgresql
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_delivery_whose_sender_keeps_dying_ends_dead_and_staff_can_retry_it(tmp_path):
    # given: five notifications; pushing one of them kills the worker process
    user = UserFactory()
    _push_only(user)
    _queue(user, 5)
    Notification.objects.filter(subject="n2").update(subject="poison")
    push_file = tmp_path / "push.jsonl"
    dying = {
        "NOTIFICATION_PUSH_PROVIDER": "core.tests.push_providers.DyingPushProvider",
        "NOTIFICATION_LEASE_SECONDS": "2",
        "NOTIFICATION_MAX_ATTEMPTS": "3",
    }

    # when: workers run one after another, each after the last one's lease ran out
    runs = 0
    while runs < 10 and not NotificationDelivery.objects.filter(status=Status.DEAD).exists():
        _finish(_worker(push_file, "--name", f"w{runs}", **dying), check=False)
        runs += 1
        time.sleep(2.1)

    # then: dead after its three attempts, all lost with their worker; the
    # others were delivered (a lost batch is sent again: at least once)
    poison = NotificationDelivery.objects.get(notification__subject="poison")
    assert (poison.status, poison.attempt_count, poison.sender_lost_count) == (Status.DEAD, 3, 3)
    assert poison.last_error == "El proceso que la enviaba se perdió 3 veces sin terminar y no quedan intentos."
    assert set(_pushed_ids(push_file)) == {"n0", "n1", "n3", "n4"}
    assert NotificationDelivery.objects.filter(status=Status.SENT).count() == 4

    # and staff's retry, once the cause is fixed (this process's push
    # provider does not die), gives it one more attempt, which reaches it
    assert notification_queue.notification_delivery_retry_now(delivery_ids=[poison.id]) == 1
    poison.refresh_from_db()
    assert (poison.status, poison.attempt_count, poison.sender_lost_count) == (Status.SENT, 4, 3)
