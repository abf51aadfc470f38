"""Paying for a booking, its provider's webhooks, and refunds.

A charge is first a `processing` row (committed), then the provider is
called with no lock held, then its outcome is written only if the row is
still the version that was read — a webhook that settled it meanwhile wins,
and a charge is never applied twice (one succeeded charge per booking is
also a database constraint). A provider that does not answer leaves the row
processing until its webhook says what happened. Webhooks are applied
synchronously, once per provider event (a unique row written in the same
transaction), and a charge that succeeds after its booking expired takes the
nights again if they are still free, or is refunded."""

import datetime
import logging
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import Booking, BookingPayment, ProviderEvent
from bookings.providers import Charge, ProviderEventData, ProviderUnavailable, WebhookRefused, payment_provider
from bookings.services.bookings import (
    booking_announce,
    booking_confirm,
    booking_locked,
    booking_nights_take,
    booking_refund_request,
)
from core.exceptions import Conflict, InvalidInput, NotFound
from core.money import round_money
from core.services.accounting import (
    MarketplaceAmounts,
    journal_post_marketplace_charge,
    journal_post_marketplace_refund,
)

logger = logging.getLogger(__name__)

Status = BookingPayment.Status
Kind = BookingPayment.Kind
UNSETTLED = (Status.PROCESSING, Status.REQUIRES_ACTION)


def booking_pay(*, booking_id: int, token: str, now: datetime.datetime | None = None) -> BookingPayment:
    """Charge the booking's total to the guest's payment method (`token`)."""
    now = now or timezone.now()
    provider = payment_provider()
    with transaction.atomic():
        booking = booking_locked(booking_id)
        if booking.status != Booking.Status.PENDING_PAYMENT:
            raise Conflict(
                _("Solo se paga una reserva pendiente de pago; esta reserva está en estado «%(status)s».")
                % {"status": booking.get_status_display().lower()},
                code="invalid_transition",
            )
        if booking.payment_deadline < now:
            raise Conflict(_("Venció el plazo para pagar esta reserva."), code="payment_window_closed")
        if booking.payments.filter(kind=Kind.CHARGE, status__in=[*UNSETTLED, Status.SUCCEEDED]).exists():
            raise Conflict(_("Ya hay un pago en curso para esta reserva."), code="payment_in_progress")
        payment = BookingPayment.objects.create(
            booking=booking, kind=Kind.CHARGE, amount=booking.total, currency=booking.currency, provider=provider.name
        )
    try:
        charge = provider.charge(
            amount=payment.amount,
            currency=payment.currency,
            token=token,
            reference=str(payment.pk),
            idempotency_key=f"travelhub-payment-{payment.pk}",
        )
    except ProviderUnavailable as unknown:
        logger.warning("payment %s: the provider did not answer (%s); its webhook will settle it", payment.pk, unknown)
        return payment
    return payment_outcome_record(payment=payment, charge=charge, now=now)


def booking_pay_confirm(*, payment: BookingPayment, now: datetime.datetime | None = None) -> BookingPayment:
    """After the guest completed 3-D Secure: ask the provider to finish the charge."""
    if payment.kind != Kind.CHARGE or payment.status != Status.REQUIRES_ACTION or not payment.provider_id:
        raise Conflict(_("Este pago no espera una autenticación."), code="invalid_transition")
    provider = payment_provider(payment.provider)
    try:
        # A key per state of the payment: a confirm sent before the guest
        # authenticated must not be the answer to the one sent after.
        charge = provider.confirm(
            charge_id=payment.provider_id, idempotency_key=f"travelhub-confirm-{payment.pk}-{payment.version}"
        )
    except ProviderUnavailable:
        return payment
    return payment_outcome_record(payment=payment, charge=charge, now=now)


def payment_outcome_record(
    *, payment: BookingPayment, charge: Charge, now: datetime.datetime | None = None
) -> BookingPayment:
    """Write what the provider said about a charge, if nothing settled it
    since `payment` was read (its version); then confirm the booking."""
    outcome = {
        "status": charge.status,
        "provider_id": charge.provider_id or payment.provider_id,
        "failure_reason": charge.failure_reason[:300],
        "action_url": charge.action_url[:500],
        "updated_at": timezone.now(),
    }
    with transaction.atomic():
        changed = BookingPayment.objects.filter(pk=payment.pk, version=payment.version, status__in=UNSETTLED).update(
            **outcome, version=F("version") + 1
        )
        if changed:
            # What the UPDATE wrote, without reading the row back.
            for name, value in outcome.items():
                setattr(payment, name, value)
            payment.version += 1
        else:
            payment.refresh_from_db()
        if changed and charge.status == Status.SUCCEEDED:
            _charge_succeeded(payment, now or timezone.now())
    return payment


def _charge_succeeded(payment: BookingPayment, now: datetime.datetime) -> None:
    booking = booking_locked(payment.booking_id)
    _charge_booked(booking, payment)
    booking_announce(booking, "payment_succeeded", "payment.succeeded", amount=payment.amount, payment=payment.pk)
    if booking.status == Booking.Status.PENDING_PAYMENT:
        booking_confirm(booking=booking, now=now)
    elif booking.status == Booking.Status.EXPIRED:
        # Paid after its deadline: the stay goes on if its nights are still free.
        if booking_nights_take(booking):
            booking.status = Booking.Status.PENDING_PAYMENT
            booking_confirm(booking=booking, now=now)
        else:
            booking_refund_request(booking=booking, amount=payment.amount)
            booking_announce(booking, "booking_late_payment_refunded", "payment.refunded", refund=payment.amount)
    elif booking.status != Booking.Status.CONFIRMED:
        # Cancelled while the charge was in flight: the money goes back.
        booking_refund_request(booking=booking, amount=payment.amount)


# --- the provider's webhook -------------------------------------------------------------------


def payment_webhook_apply(*, provider_name: str, body: bytes, signature: str, now: float | None = None) -> str:
    """Apply a signed provider event once. Returns what happened: "applied",
    "duplicate" or "ignored". WebhookRefused when the signature does not hold."""
    if provider_name != settings.PAYMENT_PROVIDER:
        raise NotFound()
    provider = payment_provider(provider_name)
    try:
        event = provider.webhook_event(body=body, signature=signature, secret=settings.PAYMENT_WEBHOOK_SECRET, now=now)
    except WebhookRefused as refused:
        raise InvalidInput(
            _("La firma del evento no es válida (%(reason)s).") % {"reason": refused}, code="invalid_signature"
        ) from refused
    except (ValueError, KeyError, TypeError) as malformed:
        raise InvalidInput(_("El evento no tiene la forma esperada."), code="malformed_event") from malformed
    with transaction.atomic():
        _lock_wait_limit()
        try:
            with transaction.atomic():
                ProviderEvent.objects.create(
                    provider=provider_name, event_id=event.event_id, event_type=event.event_type
                )
        except IntegrityError:
            return "duplicate"
        return "applied" if _event_apply(provider_name, event) else "ignored"


def _lock_wait_limit() -> None:
    """A webhook waits for a busy payment row only so long (PostgreSQL): past
    that it fails, rolls back and answers 503, and the provider sends it again."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            limit = f"{settings.PAYMENT_WEBHOOK_LOCK_TIMEOUT_MS}ms"
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [limit])


def _event_apply(provider_name: str, event: ProviderEventData) -> bool:
    if not (event.charge_id and event.outcome):
        return False
    charges = BookingPayment.objects.select_for_update().filter(provider=provider_name, kind=Kind.CHARGE)
    payment = charges.filter(provider_id=event.charge_id).first()
    if payment is None and event.payment_reference.isdigit():
        # A charge whose answer never came back has no provider id yet: found by ours.
        payment = charges.filter(pk=int(event.payment_reference), provider_id__isnull=True).first()
    if payment is None or payment.status not in UNSETTLED:
        return False
    payment_outcome_record(
        payment=payment,
        charge=Charge(event.outcome, event.charge_id, failure_reason=event.failure_reason),
    )
    return True


# --- refunds ------------------------------------------------------------------------------------


def refund_send(*, refund_id: int) -> bool:
    """Send a refund row to the provider. Returns False, doing nothing, when
    it is gone or was sent already (a task run twice sends it once: the
    provider gets the same idempotency key)."""
    refund = BookingPayment.objects.filter(pk=refund_id, kind=Kind.REFUND, status=Status.PROCESSING).first()
    if refund is None:
        return False
    charge = refund.booking.payments.filter(kind=Kind.CHARGE, status=Status.SUCCEEDED).first()
    if charge is None:
        BookingPayment.objects.filter(pk=refund.pk, status=Status.PROCESSING).update(
            status=Status.FAILED, failure_reason=_("No hay un cobro exitoso que devolver.")
        )
        return False
    result = payment_provider(refund.provider).refund(
        charge_id=charge.provider_id,
        amount=refund.amount,
        currency=refund.currency,
        idempotency_key=f"travelhub-refund-{refund.pk}",
    )
    with transaction.atomic():
        if not BookingPayment.objects.filter(pk=refund.pk, version=refund.version, status=Status.PROCESSING).update(
            status=result.status,
            provider_id=result.provider_id,
            failure_reason=result.failure_reason[:300],
            version=F("version") + 1,
        ):
            return False
        if result.status == Status.SUCCEEDED:
            booking = booking_locked(refund.booking_id)
            _refund_booked(booking, refund)
            Booking.objects.filter(pk=booking.pk).update(refunded=F("refunded") + refund.amount)
            booking_announce(
                booking,
                "payment_refunded",
                "payment.refunded",
                refund=refund.amount,
                payment=refund.pk,
            )
    return result.status == Status.SUCCEEDED


# --- the books ------------------------------------------------------------------------------------


def _charge_booked(booking: Booking, charge: BookingPayment) -> None:
    """The guest's payment in the books: the stay held for the host, the service fee as revenue."""
    journal_post_marketplace_charge(
        charge_id=charge.pk,
        date=timezone.localdate(),
        description=_("Pago de la reserva %(booking)s") % {"booking": booking.pk},
        currency=booking.currency,
        amounts=MarketplaceAmounts(
            payee=booking.subtotal + booking.cleaning_fee, taxes=booking.taxes, fee=booking.service_fee
        ),
    )


def _refund_booked(booking: Booking, refund: BookingPayment) -> None:
    """A refund reverses its part of the charge: first the stay (the host's
    share and its taxes, in proportion), then — when all of it comes back,
    as when the host cancels — the service fee."""
    stay = booking.subtotal + booking.cleaning_fee + booking.taxes
    from_stay = min(refund.amount, stay)
    taxes = round_money(from_stay * booking.taxes / stay, booking.currency.minor_units) if stay else Decimal(0)
    journal_post_marketplace_refund(
        refund_id=refund.pk,
        date=timezone.localdate(),
        description=_("Reembolso de la reserva %(booking)s") % {"booking": booking.pk},
        currency=booking.currency,
        amounts=MarketplaceAmounts(payee=from_stay - taxes, taxes=taxes, fee=refund.amount - from_stay),
    )


def refunds_resend_stale(*, older_than: datetime.timedelta = datetime.timedelta(minutes=10)) -> int:
    """Send again the refunds still processing a while after they were made
    (their task's retries ran out while the provider was down). Returns how many were sent."""
    stale = BookingPayment.objects.filter(
        kind=Kind.REFUND, status=Status.PROCESSING, created_at__lt=timezone.now() - older_than
    ).values_list("pk", flat=True)[:100]
    sent = 0
    for refund_id in stale:
        try:
            sent += refund_send(refund_id=refund_id)
        except ProviderUnavailable:
            logger.warning("refund %s: the provider is still not answering", refund_id)
            break
    return sent
