"""Outgoing webhooks: endpoints and their subscriptions, the outbox, the
fan-out of events to deliveries, signed sending with retries, replays.

An event is written in the transaction of the change it reports
(`webhook_event_emit`); a worker fans it out to one delivery per subscribed
active endpoint, and deliveries are claimed, sent and fenced like the
notification deliveries (core.services.notifications): the attempt count is
the token a sender's outcome is written under."""

import json
import logging
import random
import time
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import Conflict, InvalidInput
from core.models import User, WebhookDelivery, WebhookEndpoint, WebhookEvent, WebhookSubscription
from core.notification_kinds import WEBHOOK_ENDPOINT_DISABLED
from core.services.notifications import enqueue_notification
from core.services.task_dispatch import task_wake
from core.services.webhook_signing import webhook_secret_generate, webhook_signature_headers
from core.services.webhook_targets import WebhookSendFailed, webhook_http_post, webhook_target_resolve
from core.webhook_event_types import EVENT_TYPES

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


def _checked_event_types(event_types: list[str]) -> list[str]:
    unknown = sorted(set(event_types) - set(EVENT_TYPES))
    if unknown:
        raise InvalidInput(
            _("Tipos de evento desconocidos: %(types)s.") % {"types": ", ".join(unknown)}, field="event_types"
        )
    if not event_types:
        raise InvalidInput(_("Suscriba al menos un tipo de evento."), field="event_types")
    return sorted(set(event_types))


def webhook_endpoint_create(*, owner: User, url: str, event_types: list[str], description: str = "") -> WebhookEndpoint:
    event_types = _checked_event_types(event_types)
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
        event_types = _checked_event_types(event_types)
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


def webhook_event_emit(*, event_type: str, payload: dict, owner: User | None = None) -> WebhookEvent:
    """Record an event in the caller's transaction (the outbox): it exists if
    and only if the change commits. `owner`'s endpoints receive it; without
    an owner it is an agency event, received by staff endpoints only."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"{event_type!r} is not in core.webhook_event_types.EVENT_TYPES")
    event = WebhookEvent.objects.create(event_type=event_type, payload=payload, owner=owner)
    task_wake("core.webhook_events_fan_out")
    return event


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


def webhook_deliveries_send_due(*, batch_size: int = 100, max_seconds: float | None = None) -> int:
    """Claim due deliveries (new, failed past their wait, or sending past the
    sender's lease), send them, record the outcomes; repeat until none is due
    or `max_seconds` passed. Returns the number of attempts made."""
    started = time.monotonic()
    attempts = 0
    while max_seconds is None or time.monotonic() - started < max_seconds:
        claimed = _claim_due(batch_size)
        if not claimed:
            break
        lease_end = time.monotonic() + SEND_LEASE.total_seconds() * 0.8
        for delivery in claimed:
            if time.monotonic() >= lease_end:
                break  # the rest is taken again when the lease expires
            _attempt(delivery)
            attempts += 1
    return attempts


def _claim_due(batch_size: int) -> list[WebhookDelivery]:
    now = timezone.now()
    with transaction.atomic():
        due = WebhookDelivery.objects.filter(
            status__in=(Status.PENDING, Status.FAILED, Status.SENDING), next_attempt_at__lte=now
        ).order_by("next_attempt_at")
        ids = list(_skip_locked(due).values_list("id", flat=True)[:batch_size])
        if not ids:
            return []
        WebhookDelivery.objects.filter(id__in=ids).update(
            status=Status.SENDING, attempt_count=F("attempt_count") + 1, next_attempt_at=now + SEND_LEASE
        )
    return list(WebhookDelivery.objects.filter(id__in=ids).select_related("endpoint", "event").order_by("id"))


def webhook_body(delivery: WebhookDelivery) -> bytes:
    """The exact bytes that are signed and sent."""
    event = delivery.event
    envelope = {"type": event.event_type, "timestamp": event.created_at.isoformat(), "data": event.payload}
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()


def _attempt(delivery: WebhookDelivery) -> None:
    endpoint = delivery.endpoint
    now = timezone.now()
    fenced = WebhookDelivery.objects.filter(id=delivery.id, status=Status.SENDING, attempt_count=delivery.attempt_count)
    if not endpoint.active:
        fenced.update(status=Status.DEAD, last_error=_("El endpoint está desactivado."))
        return
    body = webhook_body(delivery)
    headers = webhook_signature_headers(
        secrets=_signing_secrets(endpoint, now),
        message_id=delivery.message_id,
        timestamp=int(now.timestamp()),
        body=body,
    )
    try:
        target = webhook_target_resolve(endpoint.url)
    except InvalidInput as refused:
        fenced.update(status=Status.DEAD, last_error=refused.message[:500])
        return
    try:
        response = webhook_http_post(
            target,
            body=body,
            headers=headers,
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            max_body=RESPONSE_EXCERPT_BYTES,
        )
    except WebhookSendFailed as error:
        _record_failure(delivery, fenced, error=str(error), status=None, body=b"", now=now)
        return
    if 200 <= response.status < 300:
        updated = fenced.update(
            status=Status.SENT,
            sent_at=now,
            response_status=response.status,
            response_body=_excerpt(response.body),
            last_error="",
        )
        if updated:
            WebhookEndpoint.objects.filter(id=endpoint.id, failing_since__isnull=False).update(failing_since=None)
        return
    if response.status == 410:
        fenced.update(
            status=Status.DEAD,
            response_status=410,
            response_body=_excerpt(response.body),
            last_error=_("El receptor respondió 410 Gone."),
        )
        _endpoint_disable(endpoint, reason_code="gone")
        return
    _record_failure(
        delivery, fenced, error=f"HTTP {response.status}", status=response.status, body=response.body, now=now
    )


def _excerpt(body: bytes) -> str:
    return body[:RESPONSE_EXCERPT_BYTES].decode("utf-8", errors="replace")[:RESPONSE_EXCERPT_BYTES]


def webhook_retry_delay(attempt: int) -> timedelta:
    """The wait after failed attempt `attempt` (1-based), ±20% jitter."""
    return timedelta(seconds=RETRY_DELAYS_SECONDS[attempt - 1] * random.uniform(0.8, 1.2))


def _record_failure(delivery, fenced, *, error: str, status: int | None, body: bytes, now: datetime) -> None:
    outcome = {"last_error": error[:500], "response_status": status, "response_body": _excerpt(body)}
    if delivery.attempt_count >= MAX_ATTEMPTS:
        fenced.update(status=Status.DEAD, **outcome)
    else:
        fenced.update(
            status=Status.FAILED, next_attempt_at=now + webhook_retry_delay(delivery.attempt_count), **outcome
        )
    endpoint = delivery.endpoint
    # The first failure after a success starts the run; a run of five days disables.
    WebhookEndpoint.objects.filter(id=endpoint.id, failing_since__isnull=True).update(failing_since=now)
    failing_since = WebhookEndpoint.objects.filter(id=endpoint.id).values_list("failing_since", flat=True).first()
    if failing_since and now - failing_since >= timedelta(days=FAILING_DAYS_BEFORE_DISABLE):
        _endpoint_disable(endpoint, reason_code="failing")


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
            kind=WEBHOOK_ENDPOINT_DISABLED,
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
