"""The notification queue's workers: claim in batches with a lease, fan out
to one delivery per channel, send, retry, sweep.

Guarantees, and what holds them:
- nothing is lost when a worker dies: a claimed notification or delivery
  carries a lease (`lease_expires_at`, or `next_attempt_at` while sending);
  the periodic sweep and the retry job take expired ones back;
- nothing is sent twice when nothing died: PostgreSQL hands each row to one
  worker (FOR UPDATE SKIP LOCKED), and every write after the claim is fenced
  by the claim's token (`lock_token`, the delivery's `attempt_count`), so a
  worker that finishes after losing its lease changes nothing. A worker also
  stops sending when its own lease is about to end, leaving the rest to the
  next claim. A worker killed while sending leaves the deliveries of its
  batch whose outcome it had not written in doubt; they are sent again (at
  least once);
- a poison row does not circulate forever: a notification whose worker was
  lost on NOTIFICATION_MAX_CLAIMS claims is parked (`dead_at`), a delivery
  whose sender was lost counts an attempt and is dead past the attempts cap
  (core.services.delivery_claims); rows taken back are claimed alone, so one
  that kills its worker does not drag its batch along. Staff retry them.
On SQLite (one worker, no row locks) the same functions run without SKIP LOCKED.
Notifications are queued by core.services.notifications."""

import logging
import random
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from core.models import Notification, NotificationDelivery, NotificationOptOut, NotificationPreference
from core.notification_kinds import KINDS
from core.services.delivery_claims import (
    DUE_FIELDS,
    DueDelivery,
    deliveries_park_lost,
    deliveries_to_claim,
    sender_lost_counted,
)
from core.services.notification_channels import DeliveryFailed, channel_send
from core.services.notifications import notification_queue_wake
from core.services.task_dispatch import task_wake

logger = logging.getLogger(__name__)

Status = NotificationDelivery.Status
RETRYABLE = (Status.PENDING, Status.FAILED, Status.SENDING)


def _lease() -> timedelta:
    return timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS)


def _channels_by_notification(notifications: list["ClaimedNotification"]) -> dict[int, list[str]]:
    recipients = {n.recipient_id for n in notifications}
    opted_out = set(NotificationOptOut.objects.filter(user_id__in=recipients).values_list("user_id", flat=True))
    choices: dict[tuple[int, str], dict[str, bool]] = defaultdict(dict)
    for user_id, kind, channel, enabled in NotificationPreference.objects.filter(user_id__in=recipients).values_list(
        "user_id", "kind", "channel", "enabled"
    ):
        choices[(user_id, kind)][channel] = enabled
    channels = {}
    for n in notifications:
        if n.recipient_id is None:
            # Someone without an account has no preferences: e-mail only.
            channels[n.id] = [c for c in KINDS[n.kind].default_channels if c == "email"]
            continue
        if n.recipient_id in opted_out:
            channels[n.id] = []
            continue
        chosen = choices.get((n.recipient_id, n.kind), {})
        wanted = [c for c in KINDS[n.kind].default_channels if chosen.get(c, True)]
        wanted += [c for c, enabled in chosen.items() if enabled and c not in wanted]
        channels[n.id] = wanted
    return channels


# --- claiming and fanning out -----------------------------------------------


@dataclass(frozen=True)
class ClaimedNotification:
    id: int
    recipient_id: int | None
    kind: str


@dataclass(frozen=True)
class Claim:
    token: uuid.UUID
    notifications: list[ClaimedNotification]


def _supports_skip_locked() -> bool:
    return connection.features.has_select_for_update_skip_locked


def notification_queue_claim(
    *, worker: str, batch_size: int, locking: bool = True, now: datetime | None = None
) -> Claim:
    """Take up to `batch_size` due notifications for `worker`.

    `locking=False` claims the naive way (read, then mark, no row locks and no
    fencing): it exists only so the tests and the benchmark can show the
    duplicates it causes."""
    now = now or timezone.now()
    token = uuid.uuid4()
    if not locking:
        # Read what is not done yet and go: no flag, no lock, no lease.
        rows = list(
            Notification.objects.filter(done_at__isnull=True, available_at__lte=now)
            .order_by("-priority", "created_at")
            .values_list("id", "recipient_id", "kind")[:batch_size]
        )
        return Claim(token=token, notifications=[ClaimedNotification(*row) for row in rows])
    due = Notification.objects.filter(
        done_at__isnull=True, dead_at__isnull=True, processing=False, available_at__lte=now
    ).order_by("-priority", "created_at")
    with transaction.atomic():
        if _supports_skip_locked():
            due = due.select_for_update(skip_locked=True)
        rows = list(due.values_list("id", "recipient_id", "kind", "retry_count")[:batch_size])
        # One taken back from a lost worker may be what killed it: it is
        # claimed alone, so it cannot take a batch down with it again.
        taken_back = [row for row in rows if row[3]]
        if taken_back:
            rows = taken_back[:1]
        if rows:
            Notification.objects.filter(id__in=[row[0] for row in rows]).update(
                processing=True,
                locked_at=now,
                lock_owner=worker[:100],
                lock_token=token,
                lease_expires_at=now + _lease(),
            )
    return Claim(token=token, notifications=[ClaimedNotification(*row[:3]) for row in rows])


def _fan_out(claim: Claim, *, locking: bool, now: datetime) -> list[tuple[int, int]]:
    """Create the claim's deliveries, take them for sending and mark the
    notifications done, in one transaction fenced by the claim's token.
    Returns (delivery id, attempt number) of the deliveries to send now."""
    ids = [n.id for n in claim.notifications]
    channels = _channels_by_notification(claim.notifications)
    with transaction.atomic():
        owned = Notification.objects.filter(id__in=ids)
        if locking:
            owned = owned.filter(lock_token=claim.token).select_for_update()
        owned_ids = list(owned.values_list("id", flat=True))
        if not owned_ids:
            return []
        NotificationDelivery.objects.bulk_create(
            [
                NotificationDelivery(notification_id=nid, channel=channel, next_attempt_at=now, created_at=now)
                for nid in owned_ids
                for channel in channels[nid]
            ],
            ignore_conflicts=True,
        )
        pending = NotificationDelivery.objects.filter(notification_id__in=owned_ids)
        if locking:
            pending = pending.filter(status=Status.PENDING)
        # (The naive way sends every delivery of what it read, whatever its state.)
        to_send = list(pending.values_list("id", "attempt_count"))
        pending.update(status=Status.SENDING, attempt_count=F("attempt_count") + 1, next_attempt_at=now + _lease())
        Notification.objects.filter(id__in=owned_ids).update(
            processing=False, done_at=now, lock_token=None, lease_expires_at=None
        )
    return [(delivery_id, attempts + 1) for delivery_id, attempts in to_send]


def notification_queue_drain(
    *, worker: str, batch_size: int = 200, max_seconds: float | None = None, locking: bool = True
) -> int:
    """Claim, fan out and send batches until the queue has nothing due (or
    `max_seconds` have passed). Returns the number of notifications handled."""
    started = time.monotonic()
    handled = 0
    while max_seconds is None or time.monotonic() - started < max_seconds:
        lease_start = time.monotonic()
        claim = notification_queue_claim(worker=worker, batch_size=batch_size, locking=locking)
        if not claim.notifications:
            break
        now = timezone.now()
        to_send = _fan_out(claim, locking=locking, now=now)
        deliveries_send(to_send, lease_started=lease_start, fenced=locking)
        handled += len(claim.notifications)
    return handled


def notification_queue_sweep(*, now: datetime | None = None) -> int:
    """Take back notifications whose worker's lease expired: available again,
    or parked as dead when this was their NOTIFICATION_MAX_CLAIMS-th lost
    claim. The updates are conditional on the lease still being expired, so
    a worker that finished meanwhile keeps its result. Returns how many."""
    now = now or timezone.now()
    expired = Notification.objects.filter(processing=True, lease_expires_at__lt=now)
    released = {
        "processing": False,
        "lock_token": None,
        "lock_owner": "",
        "locked_at": None,
        "lease_expires_at": None,
        "retry_count": F("retry_count") + 1,
    }
    parked = expired.filter(retry_count__gte=settings.NOTIFICATION_MAX_CLAIMS - 1).update(dead_at=now, **released)
    swept = expired.update(**released)
    if parked:
        logger.error(
            "notification queue: %d notification(s) parked as dead, their worker was lost on %d claims",
            parked,
            settings.NOTIFICATION_MAX_CLAIMS,
        )
    if swept:
        logger.warning("notification queue: %d notification(s) taken back from workers whose lease expired", swept)
        notification_queue_wake()
    return parked + swept


def notification_queue_retry_dead(*, notification_ids: list[int], now: datetime | None = None) -> int:
    """Staff's retry of parked notifications: claimable at once. The count
    of lost claims is kept, so one more lost claim parks it again. Returns
    how many were given back."""
    now = now or timezone.now()
    count = Notification.objects.filter(id__in=notification_ids, dead_at__isnull=False).update(
        dead_at=None, available_at=now
    )
    if count:
        notification_queue_wake()
    return count


# --- sending and retrying deliveries ----------------------------------------


def deliveries_send(to_send: list[tuple[int, int]], *, lease_started: float, fenced: bool = True) -> int:
    """Send deliveries already taken (status sending, attempt number given),
    while the lease taken at `lease_started` (time.monotonic) still has a
    margin; what is left when it runs out is given back for the retry job,
    its attempt not counted."""
    if not to_send:
        return 0
    # A fifth of the lease is kept as a margin for clock skew between machines.
    deadline = lease_started + settings.NOTIFICATION_LEASE_SECONDS * 0.8
    attempts = dict(to_send)
    deliveries = (
        NotificationDelivery.objects.filter(id__in=attempts)
        .select_related("notification__recipient")
        .only(
            "id",
            "channel",
            "notification__id",
            "notification__kind",
            "notification__subject",
            "notification__body",
            "notification__data",
            "notification__recipient_email",
            "notification__attachments",
            "notification__recipient__id",
            "notification__recipient__email",
        )
    )
    sent: dict[int, list[int]] = defaultdict(list)
    failures: list[tuple[int, int, DeliveryFailed]] = []
    unsent: dict[int, list[int]] = defaultdict(list)
    for delivery in deliveries:
        if time.monotonic() >= deadline:
            unsent[attempts[delivery.id]].append(delivery.id)
            continue
        try:
            channel_send(delivery)
        except DeliveryFailed as failure:
            failures.append((delivery.id, attempts[delivery.id], failure))
        else:
            sent[attempts[delivery.id]].append(delivery.id)
    now = timezone.now()
    for attempt, ids in sent.items():
        done = NotificationDelivery.objects.filter(id__in=ids)
        if fenced:
            done = done.filter(status=Status.SENDING, attempt_count=attempt)
        done.update(status=Status.SENT, sent_at=now, last_error="")
    for delivery_id, attempt, failure in failures:
        _record_failure(delivery_id, attempt, failure, now=now)
    if unsent:
        logger.warning("notification deliveries: lease about to end, the rest is given back to the retry job")
    for attempt, ids in unsent.items():
        # Given back at once rather than left to expire, so that a live sender
        # short of time is not taken for a lost one.
        NotificationDelivery.objects.filter(id__in=ids, status=Status.SENDING, attempt_count=attempt).update(
            status=Status.PENDING, attempt_count=attempt - 1, next_attempt_at=now
        )
    return sum(len(ids) for ids in sent.values())


def retry_delay(attempt: int) -> timedelta:
    """Exponential backoff with ±20% jitter after failed attempt `attempt`."""
    base = settings.NOTIFICATION_RETRY_BASE_SECONDS * 2 ** (attempt - 1)
    return timedelta(seconds=base * random.uniform(0.8, 1.2))


def _record_failure(delivery_id: int, attempt: int, failure: DeliveryFailed, *, now: datetime) -> None:
    fenced = NotificationDelivery.objects.filter(id=delivery_id, status=Status.SENDING, attempt_count=attempt)
    if failure.permanent or attempt >= settings.NOTIFICATION_MAX_ATTEMPTS:
        fenced.update(status=Status.DEAD, last_error=str(failure)[:2000])
        logger.error("notification delivery %s is dead after %d attempt(s): %s", delivery_id, attempt, failure)
    else:
        fenced.update(status=Status.FAILED, last_error=str(failure)[:2000], next_attempt_at=now + retry_delay(attempt))


def notification_deliveries_retry_due(
    *, batch_size: int = 200, now: datetime | None = None, max_seconds: float | None = None
) -> int:
    """Take due deliveries — failed ones whose backoff is over and sending ones
    whose sender's lease expired (core.services.delivery_claims) — and send
    them, batch after batch until none is due (or `max_seconds` have passed).
    Returns how many were sent."""
    started = time.monotonic()
    sent = 0
    while max_seconds is None or time.monotonic() - started < max_seconds:
        lease_start = time.monotonic()
        to_send = _deliveries_claim_due(batch_size=batch_size, now=now or timezone.now())
        if not to_send:
            break
        sent += deliveries_send(to_send, lease_started=lease_start)
    return sent


def _deliveries_claim_due(*, batch_size: int, now: datetime) -> list[tuple[int, int]]:
    with transaction.atomic():
        due = NotificationDelivery.objects.filter(status__in=RETRYABLE, next_attempt_at__lte=now).order_by(
            "next_attempt_at"
        )
        if _supports_skip_locked():
            due = due.select_for_update(skip_locked=True)
        rows = [DueDelivery(*row) for row in due.values_list(*DUE_FIELDS)[:batch_size]]
        spent, claimed = deliveries_to_claim(rows, max_attempts=settings.NOTIFICATION_MAX_ATTEMPTS)
        deliveries_park_lost(NotificationDelivery, spent)
        NotificationDelivery.objects.filter(id__in=[delivery.id for delivery in claimed]).update(
            status=Status.SENDING,
            attempt_count=F("attempt_count") + 1,
            sender_lost_count=sender_lost_counted(),
            next_attempt_at=now + _lease(),
        )
    return [(delivery.id, delivery.attempt_count + 1) for delivery in claimed]


def notification_delivery_retry_now(*, delivery_ids: list[int], now: datetime | None = None) -> int:
    """Staff's retry of dead or failed deliveries: due at once. The attempt
    count is kept (it fences senders), so a dead one gets exactly one more
    attempt. Returns how many were rescheduled."""
    now = now or timezone.now()
    count = NotificationDelivery.objects.filter(id__in=delivery_ids, status__in=(Status.DEAD, Status.FAILED)).update(
        status=Status.PENDING, next_attempt_at=now
    )
    if count:
        task_wake("core.notification_deliveries_retry")
    return count
