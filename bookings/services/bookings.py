"""A booking's life, in one place: made (pending payment), confirmed when paid,
completed after check-out, expired when unpaid past its deadline, cancelled
by the guest or the host with a refund by the listing's policy.

    pending_payment ──paid──> confirmed ──after check-out──> completed
          │                      │
          ├──deadline passed──> expired
          └───────────┴──cancelled──> cancelled_by_guest | cancelled_by_host

Every transition takes the booking's row lock and refuses what its state
does not allow (409, with the reason). Its nights are an OccupiedRange while
it holds them: on PostgreSQL an exclusion constraint refuses any overlap with
another booking or a host's block, so however many guests ask for the same
nights at once, one booking gets them; on SQLite writes are serialised (each
transaction takes the write lock as it begins). Guest and host are notified,
webhook events written and the cached calendar and searches refreshed in the
same transaction — sent after it commits, never for one that rolls back."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.cache_scopes import listing_calendar_invalidate, listing_calendars_invalidate
from bookings.cancellation import refund_share
from bookings.models import MAX_NIGHTS, Booking, BookingPayment, Listing, OccupiedRange
from bookings.pricing import StayPrice, stay_price
from bookings.signals import booking_created
from core.exceptions import Conflict, InvalidInput, NotFound
from core.models import Notification, User, WebhookEvent
from core.money import format_amount, round_money
from core.services.notifications import notification_build, notifications_enqueue
from core.services.task_dispatch import task_send_on_commit
from core.services.webhooks import webhook_event_build, webhook_events_emit

Status = Booking.Status
DEADLOCK_DETECTED = "40P01"  # PostgreSQL's SQLSTATE
ACTIVE = (Status.PENDING_PAYMENT, Status.CONFIRMED)


# --- making a booking ---------------------------------------------------------------------


def booking_quote(
    *, guest: User, listing: Listing, check_in: datetime.date, check_out: datetime.date, guests: int
) -> StayPrice:
    """The price of the stay, once it passes every check a booking makes
    except the availability of its nights."""
    _stay_check(guest=guest, listing=listing, check_in=check_in, check_out=check_out, guests=guests)
    return stay_price(listing, check_in, check_out)


def _stay_check(
    *, guest: User, listing: Listing, check_in: datetime.date, check_out: datetime.date, guests: int
) -> None:
    if listing.status != Listing.Status.PUBLISHED:
        raise _not_bookable()
    if listing.host_id == guest.pk:
        raise Conflict(_("No puede reservar su propio alojamiento."), code="own_listing")
    if guests > listing.max_guests:
        raise InvalidInput(
            _("El alojamiento admite %(max)d huéspedes como máximo.") % {"max": listing.max_guests}, field="guests"
        )
    if check_in < timezone.localdate():
        raise InvalidInput(_("La llegada ya pasó."), field="check_in")
    if check_out <= check_in:
        raise InvalidInput(_("La salida debe ser posterior a la llegada."), field="check_out")
    nights = (check_out - check_in).days
    if nights > MAX_NIGHTS:
        raise InvalidInput(
            _("Una estadía dura como máximo %(nights)d noches.") % {"nights": MAX_NIGHTS}, field="check_out"
        )
    if not listing.min_nights <= nights <= listing.max_nights:
        raise InvalidInput(
            _("Este alojamiento se reserva de %(min)d a %(max)d noches.")
            % {"min": listing.min_nights, "max": listing.max_nights},
            field="check_out",
        )


def booking_create(
    *,
    guest: User,
    listing_id: int,
    check_in: datetime.date,
    check_out: datetime.date,
    guests: int,
    message: str = "",
    now: datetime.datetime | None = None,
) -> Booking:
    """Take the nights for the guest, pending payment until the deadline."""
    now = now or timezone.now()
    listing = Listing.objects.select_related("currency", "host").filter(pk=listing_id).first()
    if listing is None:
        raise _not_bookable()
    _stay_check(guest=guest, listing=listing, check_in=check_in, check_out=check_out, guests=guests)
    # Nights already taken are refused before anything is written; nights
    # taken from now on are refused by booking_nights_take.
    if _occupying(listing, check_in, check_out).exists():
        raise _dates_taken()
    price = stay_price(listing, check_in, check_out)
    with transaction.atomic():
        booking = Booking.objects.create(
            listing=listing,
            guest=guest,
            host=listing.host,
            check_in=check_in,
            check_out=check_out,
            guests=guests,
            message=message,
            currency=price.currency,
            nights=price.nights_as_json(),
            subtotal=price.subtotal,
            cleaning_fee=price.cleaning_fee,
            service_fee=price.service_fee,
            taxes=price.taxes,
            total=price.total,
            cancellation_policy=listing.cancellation_policy,
            payment_deadline=now + datetime.timedelta(minutes=settings.BOOKING_PAYMENT_MINUTES),
        )
        if not booking_nights_take(booking):
            raise _dates_taken()
        _announce(booking, "booking_requested", "booking.created")
        booking_created.send(sender=Booking, booking=booking)
    return booking


def _nights_look_free(listing: Listing, check_in: datetime.date, check_out: datetime.date) -> bool:
    """No booking or block holds one of the nights, as far as this
    transaction can see (another may be taking them at this moment)."""
    return not _occupying(listing, check_in, check_out).exists()


def _occupying(listing: Listing, check_in: datetime.date, check_out: datetime.date) -> QuerySet[OccupiedRange]:
    return OccupiedRange.objects.filter(listing=listing, start_date__lt=check_out, end_date__gt=check_in)


def booking_nights_take(booking: Booking) -> bool:
    """Hold the booking's nights (in a savepoint). False when another booking
    or a block holds one of them: the check says so in the common case; two
    transactions that both passed it at once are told by the exclusion
    constraint on PostgreSQL (on SQLite they cannot: writers take turns)."""
    if not _nights_look_free(booking.listing, booking.check_in, booking.check_out):
        return False
    _listing_turn_take(booking.listing_id)
    try:
        with transaction.atomic():
            OccupiedRange.objects.create(
                listing_id=booking.listing_id,
                start_date=booking.check_in,
                end_date=booking.check_out,
                kind=OccupiedRange.Kind.BOOKING,
                booking=booking,
            )
    except IntegrityError:
        return False
    except OperationalError as error:
        # Stays that overlap in a chain, written at once, wait on each other's
        # uncommitted nights; PostgreSQL breaks the cycle by failing one of
        # them (only this savepoint): its nights are being taken.
        if getattr(error.__cause__, "pgcode", None) != DEADLOCK_DETECTED:
            raise
        return False
    listing_calendar_invalidate(booking.listing, booking.check_in, booking.check_out)
    return True


def _listing_turn_take(listing_id: int) -> None:
    """Bookings of one listing write their nights one transaction at a time.
    Not what keeps them apart (the constraint is): many inserts released at
    once into an exclusion constraint wait on each other's uncommitted rows
    and deadlock in pairs, which PostgreSQL untangles a second at a time.
    NO KEY UPDATE leaves the listing's foreign keys free to be checked."""
    list(Listing.objects.select_for_update(no_key=True).filter(pk=listing_id).values_list("pk"))


def _nights_free(*bookings: Booking) -> None:
    OccupiedRange.objects.filter(booking__in=bookings).delete()
    listing_calendars_invalidate((booking.listing, booking.check_in, booking.check_out) for booking in bookings)


def _not_bookable() -> InvalidInput:
    return InvalidInput(_("El alojamiento no existe o no admite reservas."), code="not_bookable", field="listing")


def _dates_taken() -> Conflict:
    return Conflict(_("Esas fechas ya no están disponibles."), code="dates_taken")


# --- transitions ------------------------------------------------------------------------------


def booking_locked(booking_id: int) -> Booking:
    """The booking, its row locked for the rest of the transaction."""
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("listing", "currency", "guest", "host")
        .filter(pk=booking_id)
        .first()
    )
    if booking is None:
        raise NotFound()
    return booking


def _refuse(booking: Booking, action: str) -> Conflict:
    return Conflict(
        _("No se puede %(action)s una reserva %(status)s.")
        % {"action": action, "status": booking.get_status_display().lower()},
        code="invalid_transition",
    )


def booking_confirm(*, booking: Booking, now: datetime.datetime | None = None) -> Booking:
    """The stay is paid: confirmed. Call with the booking locked (booking_locked)."""
    if booking.status == Status.CONFIRMED:
        return booking
    if booking.status != Status.PENDING_PAYMENT:
        raise _refuse(booking, _("confirmar"))
    booking.status = Status.CONFIRMED
    booking.confirmed_at = now or timezone.now()
    booking.save(update_fields=["status", "confirmed_at", "updated_at"])
    _announce(booking, "booking_confirmed", "booking.confirmed")
    return booking


@dataclass(frozen=True)
class CancellationQuote:
    by_host: bool
    days_before_check_in: int
    share: Decimal
    paid: Decimal
    refund: Decimal


def booking_paid(booking: Booking) -> Decimal:
    """What the guest has paid and not had back."""
    totals = dict(
        booking.payments.filter(status=BookingPayment.Status.SUCCEEDED)
        .values_list("kind")
        .annotate(total=Sum("amount"))
    )
    return totals.get(BookingPayment.Kind.CHARGE, Decimal(0)) - totals.get(BookingPayment.Kind.REFUND, Decimal(0))


def cancellation_quote(*, booking: Booking, by: User, now: datetime.datetime | None = None) -> CancellationQuote:
    """What cancelling now gives back: all of it when the host cancels;
    for the guest, the policy's share of the stay (the service fee is kept)."""
    if booking.status not in ACTIVE:
        raise _refuse(booking, _("cancelar"))
    by_host = by.pk != booking.guest_id
    today = timezone.localdate(now or timezone.now())
    days_before = (booking.check_in - today).days
    paid = booking_paid(booking)
    if by_host:
        share, refund = Decimal(1), paid
    else:
        share = refund_share(booking.cancellation_policy, days_before_check_in=days_before)
        refundable = max(paid - booking.service_fee, Decimal(0))
        refund = round_money(refundable * share, booking.currency.minor_units)
    return CancellationQuote(by_host, days_before, share, paid, refund)


def booking_cancel(*, booking_id: int, by: User, now: datetime.datetime | None = None) -> Booking:
    """Cancel for the guest or the host; the refund the quote says is sent
    to the provider once this commits."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = booking_locked(booking_id)
        quote = cancellation_quote(booking=booking, by=by, now=now)
        booking.status = Status.CANCELLED_BY_HOST if quote.by_host else Status.CANCELLED_BY_GUEST
        booking.ended_at = now
        booking.save(update_fields=["status", "ended_at", "updated_at"])
        _nights_free(booking)
        if quote.refund > 0:
            booking_refund_request(booking=booking, amount=quote.refund)
        _announce(booking, "booking_cancelled", "booking.cancelled", refund=quote.refund, refund_due=quote.refund > 0)
    return booking


def booking_refund_request(*, booking: Booking, amount: Decimal) -> BookingPayment:
    """A refund row, sent to the provider by a worker after commit."""
    charge = booking.payments.filter(kind=BookingPayment.Kind.CHARGE, status=BookingPayment.Status.SUCCEEDED).first()
    refund = BookingPayment.objects.create(
        booking=booking,
        kind=BookingPayment.Kind.REFUND,
        amount=amount,
        currency=booking.currency,
        provider=charge.provider if charge else settings.PAYMENT_PROVIDER,
    )
    task_send_on_commit("bookings.send_refund", refund.pk)
    return refund


# --- periodic sweeps --------------------------------------------------------------------------


def bookings_expire_unpaid(*, now: datetime.datetime | None = None, batch_size: int = 500) -> int:
    """Expire a batch of bookings still unpaid past their deadline and free
    their nights. Several workers may sweep at once: each takes other rows
    (SKIP LOCKED). Returns how many it expired."""
    now = now or timezone.now()
    with transaction.atomic():
        due = Booking.objects.filter(status=Status.PENDING_PAYMENT, payment_deadline__lt=now)
        bookings = _due_batch(due.order_by("payment_deadline"), batch_size)
        for booking in bookings:
            booking.status, booking.ended_at, booking.updated_at = Status.EXPIRED, now, now
        Booking.objects.bulk_update(bookings, ["status", "ended_at", "updated_at"])
        _nights_free(*bookings)
        _announce_all(bookings, "booking_expired", "booking.expired")
    return len(bookings)


def bookings_complete(*, today: datetime.date | None = None, batch_size: int = 500) -> int:
    """Complete a batch of confirmed stays whose check-out day has come."""
    today = today or timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        due = Booking.objects.filter(status=Status.CONFIRMED, check_out__lte=today).order_by("check_out")
        bookings = _due_batch(due, batch_size)
        for booking in bookings:
            booking.status, booking.ended_at, booking.updated_at = Status.COMPLETED, now, now
        Booking.objects.bulk_update(bookings, ["status", "ended_at", "updated_at"])
        _announce_all(bookings, "booking_completed", "booking.completed")
    return len(bookings)


def _due_batch(due: QuerySet[Booking], batch_size: int) -> list[Booking]:
    """A batch of the due bookings, each locked for this transaction."""
    return list(_locked_skipping_taken(due).select_related("listing", "currency", "guest", "host")[:batch_size])


def _locked_skipping_taken(bookings: QuerySet[Booking]) -> QuerySet[Booking]:
    """Rows another sweep holds are skipped, so two sweeps never expire (and
    announce) one booking twice. SQLite has one writer at a time anyway."""
    if connection.features.has_select_for_update_skip_locked:
        return bookings.select_for_update(skip_locked=True, of=("self",))
    return bookings


# --- telling guest and host -------------------------------------------------------------------


def booking_announce(booking: Booking, kind: str, event_type: str, **extra) -> None:
    """Notify guest and host and write the webhook event for each, in the
    caller's transaction."""
    _announce(booking, kind, event_type, **extra)


def _announce(booking: Booking, kind: str, event_type: str, **extra) -> None:
    _announce_all([booking], kind, event_type, **extra)


def _announce_all(bookings: list[Booking], kind: str, event_type: str, **extra) -> None:
    """One INSERT of notifications and one of events for the lot."""
    notifications: list[Notification] = []
    events: list[WebhookEvent] = []
    for booking in bookings:
        details = _details(booking, extra)
        # In the business's time zone, for people to read.
        deadline = timezone.localtime(booking.payment_deadline).strftime("%Y-%m-%d %H:%M")
        for person, as_host in ((booking.guest, False), (booking.host, True)):
            data = {**details, "as_host": as_host, "payment_deadline_local": deadline}
            notifications.append(notification_build(recipient=person, kind=kind, data=data))
            events.append(webhook_event_build(event_type=event_type, payload=details, owner=person))
    notifications_enqueue(notifications)
    webhook_events_emit(events)


def _details(booking: Booking, extra: dict) -> dict:
    places = booking.currency.minor_units
    return {
        "booking": booking.pk,
        "listing": booking.listing_id,
        "listing_title": booking.listing.title,
        "check_in": str(booking.check_in),
        "check_out": str(booking.check_out),
        "guests": booking.guests,
        "status": booking.status,
        "currency": booking.currency.code,
        "total": format_amount(booking.total, places),
        "payment_deadline": booking.payment_deadline.isoformat(),
        **{
            name: format_amount(value, places) if isinstance(value, Decimal) else value for name, value in extra.items()
        },
    }
