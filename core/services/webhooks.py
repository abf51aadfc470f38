"""Outgoing webhooks: endpoints and their subscriptions, the outbox, the
fan-out of events to deliveries, signed sending with retries, replays.

An event is written in the transaction of the change it reports
(`webhook_event_emit`); a worker fans it out to one delivery per subscribed
active endpoint, and deliveries are claimed, sent and fenced like the
notification deliveries (core.services.notification_queue): the attempt
count is the token a sender's outcome is written under. A batch's outcomes
are written together once its requests are made, in a few statements; a
sender that dies mid-batch leaves the whole batch to be sent again after its
lease (at least once: receivers deduplicate on webhook-id)."""

import json
import logging
import random
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import Conflict, InvalidInput
from core.models import User, WebhookDelivery, WebhookEndpoint, WebhookEvent, WebhookSubscription
from core.services.delivery_claims import (
    DUE_FIELDS,
    DueDelivery,
    deliveries_park_lost,
    deliveries_to_claim,
    sender_lost_counted,
)
from core.services.notifications import enqueue_notification
from core.services.task_dispatch import task_wake
from core.services.webhook_signing import webhook_secret_generate, webhook_signature_headers
from core.services.webhook_targets import (
    WebhookSendFailed,
    WebhookTarget,
    webhook_http_post,
    webhook_target_resolve,
)
from core.webhook_event_types import EVENT_TYPES, Audience

logger = logging.getLogger(__name__)

Status = WebhookDelivery.Status
# Waits after failed attempt 1, 2, ... (±20%); after the last one the delivery is dead.
RETRY_DELAYS_SECONDS = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600)
MAX_ATTEMPTS = len(RETRY_DELAYS_SECONDS) + 1
# An endpoint that has failed without a single success for this long is disabled.
FAILING_DAYS_BEFORE_DISABLE = 5
# After a rotation the old secret keeps signing for this long.
PREVIOUS_SECRET_GRACE = timedelta(hours=24)
# A sender's claim on a delivery: longer than the HTTP timeout times a batch's share.
SEND_LEASE = timedelta(minutes=10)
RESPONSE_EXCERPT_BYTES = 1000


# --- endpoints and subscriptions ----------------------------------------------


def _checked_event_types(event_types: list[str], *, owner: User) -> list[str]:
    unknown = sorted(set(event_types) - set(EVENT_TYPES))
    if unknown:
        raise InvalidInput(
            _("Tipos de evento desconocidos: %(types)s.") % {"types": ", ".join(unknown)}, field="event_types"
        )
    if not event_types:
        raise InvalidInput(_("Suscriba al menos un tipo de evento."), field="event_types")
    staff_only = sorted(name for name in set(event_types) if EVENT_TYPES[name].audience == Audience.STAFF)
    if staff_only and not owner.is_agency_staff:
        raise InvalidInput(
            _("Solo el personal de la agencia recibe estos eventos: %(types)s.") % {"types": ", ".join(staff_only)},
            code="staff_only_event_types",
            field="event_types",
        )
    return sorted(set(event_types))


def webhook_endpoint_create(*, owner: User, url: str, event_types: list[str], description: str = "") -> WebhookEndpoint:
    event_types = _checked_event_types(event_types, owner=owner)
    webhook_target_resolve(url)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            owner=owner, url=url, description=description, secret=webhook_secret_generate()
        )
        WebhookSubscription.objects.bulk_create(
            WebhookSubscription(endpoint=endpoint, event_type=event_type) for event_type in event_types
        )
    return endpoint


def webhook_endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    description: str | None = None,
    active: bool | None = None,
    event_types: list[str] | None = None,
) -> WebhookEndpoint:
    """Change what is given; `event_types` replaces the subscriptions.
    Enabling a disabled endpoint starts its failure count afresh."""
    if event_types is not None:
        event_types = _checked_event_types(event_types, owner=endpoint.owner)
    if url is not None:
        webhook_target_resolve(url)
    fields = []
    if url is not None:
        endpoint.url = url
        fields.append("url")
    if description is not None:
        endpoint.description = description
        fields.append("description")
    if active is not None and active != endpoint.active:
        endpoint.active = active
        endpoint.disabled_reason = "" if active else _("Desactivado por su dueño.")
        endpoint.failing_since = None
        fields += ["active", "disabled_reason", "failing_since"]
    with transaction.atomic():
        if fields:
            endpoint.save(update_fields=[*fields, "updated_at"])
        if event_types is not None:
            endpoint.subscriptions.exclude(event_type__in=event_types).delete()
            WebhookSubscription.objects.bulk_create(
                [WebhookSubscription(endpoint=endpoint, event_type=event_type) for event_type in event_types],
                ignore_conflicts=True,
            )
    return endpoint


def webhook_endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    endpoint.delete()


def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint, now: datetime | None = None) -> WebhookEndpoint:
    """A new secret; the old one keeps signing next to it for a day."""
    now = now or timezone.now()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = now + PREVIOUS_SECRET_GRACE
    endpoint.secret = webhook_secret_generate()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"])
    return endpoint


def _signing_secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    secrets = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_secret_expires_at and endpoint.previous_secret_expires_at > now:
        secrets.append(endpoint.previous_secret)
    return secrets


# --- the outbox and the fan-out -----------------------------------------------


def webhook_event_build(*, event_type: str, payload: dict, owner: User | None = None) -> WebhookEvent:
    """An event not saved yet (`webhook_events_emit` records it). `owner`'s
    endpoints receive it; without an owner it is an agency event, received
    by staff endpoints only."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"no webhook event type is registered as {event_type!r}")
    return WebhookEvent(event_type=event_type, payload=payload, owner=owner)


def webhook_events_emit(events: list[WebhookEvent]) -> list[WebhookEvent]:
    """Record built events in one INSERT in the caller's transaction (the
    outbox): they exist if and only if the change commits."""
    recorded = WebhookEvent.objects.bulk_create(events)
    if recorded:
        task_wake("core.webhook_events_fan_out")
    return recorded


def webhook_event_emit(*, event_type: str, payload: dict, owner: User | None = None) -> WebhookEvent:
    """Record one event (`webhook_event_build`'s arguments) in the outbox."""
    return webhook_events_emit([webhook_event_build(event_type=event_type, payload=payload, owner=owner)])[0]


def _skip_locked(queryset):
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True)
    return queryset


def webhook_events_fan_out(*, batch_size: int = 500) -> int:
    """Turn pending events into deliveries, a batch per transaction, until
    none is left. Returns the number of deliveries created."""
    created = 0
    while True:
        with transaction.atomic():
            events = list(
                _skip_locked(WebhookEvent.objects.filter(processed=False).order_by("created_at")).only(
                    "id", "event_type", "owner_id", "created_at"
                )[:batch_size]
            )
            if not events:
                break
            targets = _subscribed_endpoints({event.event_type for event in events})
            deliveries = [
                WebhookDelivery(
                    endpoint_id=endpoint_id,
                    event_id=event.id,
                    message_id=f"msg_{uuid.uuid4().hex}",
                    next_attempt_at=event.created_at,
                    created_at=event.created_at,
                )
                for event in events
                for endpoint_id, owner_id, owner_is_staff in targets.get(event.event_type, [])
                if (owner_id == event.owner_id if event.owner_id else owner_is_staff)
            ]
            WebhookDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
            WebhookEvent.objects.filter(id__in=[event.id for event in events]).update(
                processed=True, processed_at=timezone.now()
            )
            created += len(deliveries)
    if created:
        task_wake("core.webhook_deliveries_send")
    return created


def _subscribed_endpoints(event_types: set[str]) -> dict[str, list[tuple[int, int, bool]]]:
    targets: dict[str, list[tuple[int, int, bool]]] = {}
    rows = WebhookSubscription.objects.filter(event_type__in=event_types, endpoint__active=True).values_list(
        "event_type", "endpoint_id", "endpoint__owner_id", "endpoint__owner__is_staff", "endpoint__owner__role"
    )
    for event_type, endpoint_id, owner_id, is_staff, role in rows:
        targets.setdefault(event_type, []).append((endpoint_id, owner_id, is_staff or role == User.Role.STAFF))
    return targets


# --- sending --------------------------------------------------------------------


@dataclass(frozen=True)
class _Outcome:
    """What one attempt came to: the fields to write on its delivery, under
    the attempt number it was claimed with, and what it says of the endpoint."""

    delivery: WebhookDelivery
    fields: dict[str, Any]
    # The endpoint's answer for its failure run: True 2xx, False a failure,
    # None nothing to count (not sent, or 410, which disables at once).
    endpoint_ok: bool | None = None
    gone: bool = False


def webhook_deliveries_send_due(*, batch_size: int = 100, max_seconds: float | None = None) -> int:
    """Claim due deliveries (new, failed past their wait, or sending past the
    sender's lease: see core.services.delivery_claims), send them, record the
    outcomes; repeat until none is due or `max_seconds` passed. Returns the
    number of attempts made."""
    started = time.monotonic()
    attempts = 0
    while max_seconds is None or time.monotonic() - started < max_seconds:
        claimed = _claim_due(batch_size)
        if not claimed:
            break
        attempts += _send_claimed(claimed, lease_end=time.monotonic() + SEND_LEASE.total_seconds() * 0.8)
    return attempts


def _claim_due(batch_size: int) -> list[WebhookDelivery]:
    now = timezone.now()
    with transaction.atomic():
        due = WebhookDelivery.objects.filter(
            status__in=(Status.PENDING, Status.FAILED, Status.SENDING), next_attempt_at__lte=now
        ).order_by("next_attempt_at")
        rows = [DueDelivery(*row) for row in _skip_locked(due).values_list(*DUE_FIELDS)[:batch_size]]
        spent, claimed = deliveries_to_claim(rows, max_attempts=MAX_ATTEMPTS)
        deliveries_park_lost(WebhookDelivery, spent)
        ids = [delivery.id for delivery in claimed]
        if not ids:
            return []
        WebhookDelivery.objects.filter(id__in=ids).update(
            status=Status.SENDING,
            attempt_count=F("attempt_count") + 1,
            sender_lost_count=sender_lost_counted(),
            next_attempt_at=now + SEND_LEASE,
        )
    return list(WebhookDelivery.objects.filter(id__in=ids).select_related("endpoint", "event").order_by("id"))


def _send_claimed(claimed: list[WebhookDelivery], *, lease_end: float) -> int:
    """Send a claimed batch, then write its outcomes together (also those
    known when an error cuts the batch short). Each endpoint's URL is
    resolved and checked once per batch. Returns the number of attempts."""
    targets: dict[str, WebhookTarget | InvalidInput] = {}
    outcomes = []
    attempts = 0
    try:
        for index, delivery in enumerate(claimed):
            if time.monotonic() >= lease_end:
                # Given back at once rather than left to expire, so that a live
                # sender short of time is not taken for a lost one.
                now = timezone.now()
                outcomes += [_given_back(rest, now=now) for rest in claimed[index:]]
                break
            outcomes.append(_attempt(delivery, targets))
            attempts += 1
    finally:
        _outcomes_record(outcomes)
    return attempts


def webhook_body(delivery: WebhookDelivery) -> bytes:
    """The exact bytes that are signed and sent."""
    event = delivery.event
    envelope = {"type": event.event_type, "timestamp": event.created_at.isoformat(), "data": event.payload}
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()


def _target(url: str, targets: dict[str, WebhookTarget | InvalidInput]) -> WebhookTarget | InvalidInput:
    if url not in targets:
        try:
            targets[url] = webhook_target_resolve(url)
        except InvalidInput as refused:
            targets[url] = refused
    return targets[url]


def _attempt(delivery: WebhookDelivery, targets: dict[str, WebhookTarget | InvalidInput]) -> _Outcome:
    endpoint = delivery.endpoint
    now = timezone.now()
    if not endpoint.active:
        return _Outcome(delivery, {"status": Status.DEAD, "last_error": _("El endpoint está desactivado.")})
    target = _target(endpoint.url, targets)
    if isinstance(target, InvalidInput):
        return _Outcome(delivery, {"status": Status.DEAD, "last_error": target.message[:500]})
    body = webhook_body(delivery)
    headers = webhook_signature_headers(
        secrets=_signing_secrets(endpoint, now),
        message_id=delivery.message_id,
        timestamp=int(now.timestamp()),
        body=body,
    )
    try:
        response = webhook_http_post(
            target,
            body=body,
            headers=headers,
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            max_body=RESPONSE_EXCERPT_BYTES,
        )
    except WebhookSendFailed as error:
        return _failure(delivery, error=str(error), status=None, body=b"", now=now)
    if 200 <= response.status < 300:
        fields = {
            "status": Status.SENT,
            # To the second, like the webhook-timestamp the request was signed
            # with: a batch's sends then share a few values, a short UPDATE.
            "sent_at": now.replace(microsecond=0),
            "response_status": response.status,
            "response_body": _excerpt(response.body),
            "last_error": "",
        }
        return _Outcome(delivery, fields, endpoint_ok=True)
    if response.status == 410:
        fields = {
            "status": Status.DEAD,
            "response_status": 410,
            "response_body": _excerpt(response.body),
            "last_error": _("El receptor respondió 410 Gone."),
        }
        return _Outcome(delivery, fields, gone=True)
    return _failure(delivery, error=f"HTTP {response.status}", status=response.status, body=response.body, now=now)


def _given_back(delivery: WebhookDelivery, *, now: datetime) -> _Outcome:
    """Due again now, the attempt it was claimed for not counted."""
    fields = {"status": Status.PENDING, "attempt_count": delivery.attempt_count - 1, "next_attempt_at": now}
    return _Outcome(delivery, fields)


def _excerpt(body: bytes) -> str:
    return body[:RESPONSE_EXCERPT_BYTES].decode("utf-8", errors="replace")[:RESPONSE_EXCERPT_BYTES]


def webhook_retry_delay(attempt: int) -> timedelta:
    """The wait after failed attempt `attempt` (1-based), ±20% jitter."""
    return timedelta(seconds=RETRY_DELAYS_SECONDS[attempt - 1] * random.uniform(0.8, 1.2))


def _failure(delivery: WebhookDelivery, *, error: str, status: int | None, body: bytes, now: datetime) -> _Outcome:
    fields = {"last_error": error[:500], "response_status": status, "response_body": _excerpt(body)}
    if delivery.attempt_count >= MAX_ATTEMPTS:
        fields["status"] = Status.DEAD
    else:
        fields |= {"status": Status.FAILED, "next_attempt_at": now + webhook_retry_delay(delivery.attempt_count)}
    return _Outcome(delivery, fields, endpoint_ok=False)


def _per_row(fields_by_id: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """Arguments of one UPDATE giving each row its own fields: a field with
    one value for every row is set to it, any other is a CASE with one branch
    per value (rows without that field keep theirs)."""
    names = {name for fields in fields_by_id.values() for name in fields}
    values = {}
    for name in names:
        ids_by_value: dict[Any, list[int]] = defaultdict(list)
        for pk, fields in fields_by_id.items():
            if name in fields:
                ids_by_value[fields[name]].append(pk)
        if len(ids_by_value) == 1 and len(next(iter(ids_by_value.values()))) == len(fields_by_id):
            values[name] = next(iter(ids_by_value))
        else:
            values[name] = Case(
                *(When(id__in=ids, then=Value(value)) for value, ids in ids_by_value.items()),
                default=F(name),
                output_field=WebhookDelivery._meta.get_field(name),
            )
    return values


def _outcomes_record(outcomes: list[_Outcome]) -> None:
    """Write a batch's outcomes in one UPDATE per attempt number (a batch is
    mostly first attempts), each fenced by it: a delivery taken back from
    this sender after its lease ran out keeps its new owner's outcome, and
    what it said of the endpoint is not counted."""
    by_attempt: dict[int, list[_Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_attempt[outcome.delivery.attempt_count].append(outcome)
    written = []
    with transaction.atomic():
        for attempt, group in by_attempt.items():
            owned = set(
                WebhookDelivery.objects.filter(
                    id__in=[outcome.delivery.id for outcome in group], status=Status.SENDING, attempt_count=attempt
                )
                .order_by("id")
                .select_for_update()
                .values_list("id", flat=True)
            )
            group = [outcome for outcome in group if outcome.delivery.id in owned]
            if group:
                WebhookDelivery.objects.filter(id__in=owned).update(
                    **_per_row({outcome.delivery.id: outcome.fields for outcome in group})
                )
            written += group
    _endpoints_update(written)


def _endpoints_update(outcomes: list[_Outcome]) -> None:
    """What a batch's answers say of their endpoints: 410 disables at once;
    otherwise an endpoint's last answer in the batch counts. A success ends
    its failure run, a failure starts one (a new one after a success in the
    batch), and a run of five days disables it."""
    endpoints = {}
    last_ok: dict[int, bool] = {}
    answered_ok: set[int] = set()
    for outcome in outcomes:
        endpoint = outcome.delivery.endpoint
        endpoints[endpoint.id] = endpoint
        if outcome.gone:
            _endpoint_disable(endpoint, reason_code="gone")
        elif outcome.endpoint_ok is not None:
            last_ok[endpoint.id] = outcome.endpoint_ok
            if outcome.endpoint_ok:
                answered_ok.add(endpoint.id)
    now = timezone.now()
    failing = [endpoint_id for endpoint_id, ok in last_ok.items() if not ok]
    WebhookEndpoint.objects.filter(
        id__in=[endpoint_id for endpoint_id, ok in last_ok.items() if ok], failing_since__isnull=False
    ).update(failing_since=None)
    WebhookEndpoint.objects.filter(id__in=[e for e in failing if e in answered_ok]).update(failing_since=now)
    WebhookEndpoint.objects.filter(
        id__in=[e for e in failing if e not in answered_ok], failing_since__isnull=True
    ).update(failing_since=now)
    run_over = WebhookEndpoint.objects.filter(
        id__in=failing, active=True, failing_since__lte=now - timedelta(days=FAILING_DAYS_BEFORE_DISABLE)
    )
    for endpoint_id in run_over.values_list("id", flat=True):
        _endpoint_disable(endpoints[endpoint_id], reason_code="failing")


def _endpoint_disable(endpoint: WebhookEndpoint, *, reason_code: str) -> None:
    reason = (
        _("Respondió 410 Gone.")
        if reason_code == "gone"
        else _("Falló durante %(days)d días seguidos.") % {"days": FAILING_DAYS_BEFORE_DISABLE}
    )
    with transaction.atomic():
        # Only the sender that switches it off tells the owner.
        if not WebhookEndpoint.objects.filter(id=endpoint.id, active=True).update(active=False, disabled_reason=reason):
            return
        enqueue_notification(
            recipient=endpoint.owner_id,
            kind="webhook_endpoint_disabled",
            data={"url": endpoint.url, "reason_code": reason_code, "failing_days": FAILING_DAYS_BEFORE_DISABLE},
        )
    logger.warning("webhook endpoint %s disabled (%s)", endpoint.id, reason_code)


# --- replays --------------------------------------------------------------------


def webhook_delivery_replay(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again, now, with the same webhook-id (receivers
    deduplicate on it). One more attempt: a failure makes it dead again."""
    if not delivery.endpoint.active:
        raise Conflict(_("El endpoint está desactivado; actívelo antes de reenviar."), code="endpoint_inactive")
    if delivery.status == Status.SENDING:
        raise Conflict(_("La entrega se está enviando en este momento."), code="delivery_sending")
    now = timezone.now()
    WebhookDelivery.objects.filter(id=delivery.id).exclude(status=Status.SENDING).update(
        status=Status.PENDING, next_attempt_at=now
    )
    task_wake("core.webhook_deliveries_send")
    delivery.refresh_from_db()
    return delivery


def webhook_deliveries_replay_failed(*, endpoint: WebhookEndpoint, since: datetime) -> int:
    """Send again every failed or dead delivery of `endpoint` created since
    `since`. Returns how many."""
    if not endpoint.active:
        raise Conflict(_("El endpoint está desactivado; actívelo antes de reenviar."), code="endpoint_inactive")
    count = WebhookDelivery.objects.filter(
        endpoint=endpoint, status__in=(Status.FAILED, Status.DEAD), created_at__gte=since
    ).update(status=Status.PENDING, next_attempt_at=timezone.now())
    if count:
        task_wake("core.webhook_deliveries_send")
    return count
