"""Reads of bookings: a guest's trips, a host's reservations, and who may
see one (its guest, its host, staff — nobody else, not even that it exists)."""

import datetime

from django.db.models import Q, QuerySet

from bookings.models import Booking, BookingPayment
from core.exceptions import NotFound
from core.models import User


def bookings_with_details(bookings: QuerySet[Booking]) -> QuerySet[Booking]:
    """Listing, guest, host and currency in the row: a page is one query."""
    return bookings.select_related("listing", "guest", "host", "currency")


def bookings_of(
    *,
    user: User,
    as_host: bool,
    statuses: list[str] | None = None,
    listing_id: int | None = None,
    stay_from: datetime.date | None = None,
    stay_to: datetime.date | None = None,
) -> QuerySet[Booking]:
    """The user's trips (as guest) or reservations (as host), newest first;
    with a date range, those whose stay has a night in it."""
    bookings = Booking.objects.filter(host=user) if as_host else Booking.objects.filter(guest=user)
    if statuses:
        bookings = bookings.filter(status__in=statuses)
    if listing_id is not None:
        bookings = bookings.filter(listing_id=listing_id)
    if stay_from is not None:
        bookings = bookings.filter(check_out__gt=stay_from)
    if stay_to is not None:
        bookings = bookings.filter(check_in__lt=stay_to)
    return bookings_with_details(bookings).order_by("-created_at", "-id")


def _visible_to(user: User) -> QuerySet[Booking]:
    if user.is_agency_staff:
        return Booking.objects.all()
    return Booking.objects.filter(Q(guest=user) | Q(host=user))


def access_booking(*, user: User, booking_id: int) -> Booking:
    """A booking of the user's, as guest or host (any for staff); 404 otherwise."""
    booking = bookings_with_details(_visible_to(user)).filter(pk=booking_id).first()
    if booking is None:
        raise NotFound()
    return booking


def booking_payments(booking: Booking) -> QuerySet[BookingPayment]:
    return booking.payments.select_related("currency").order_by("-created_at", "-id")


def access_booking_payment(*, user: User, booking_id: int, payment_id: int) -> BookingPayment:
    booking = access_booking(user=user, booking_id=booking_id)
    payment = booking_payments(booking).filter(pk=payment_id).first()
    if payment is None:
        raise NotFound()
    return payment
