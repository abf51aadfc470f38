"""Celery tasks of the rentals app: take ids, call one service, safe to run
twice. The periodic ones are scheduled in bookings.registrations."""

from celery import shared_task
from django.db import OperationalError

from bookings.providers import ProviderUnavailable
from bookings.services.bookings import bookings_complete, bookings_expire_unpaid
from bookings.services.payments import refund_send, refunds_resend_stale
from bookings.services.photos import photo_process


# A photo the worker cannot read is marked failed by the service; only the
# storage being unreachable is worth another try.
@shared_task(name="bookings.process_photo", autoretry_for=(OSError,), retry_backoff=5, max_retries=5)
def process_photo_task(photo_id: int) -> bool:
    """Make a photo's web copies and thumbnail; a no-op when it is done."""
    return photo_process(photo_id=photo_id)


# The provider not answering is worth retrying (the same idempotency key
# makes a retry the same refund); refunds_resend_stale catches what retries miss.
@shared_task(
    name="bookings.send_refund",
    autoretry_for=(ProviderUnavailable, OperationalError),
    retry_backoff=10,
    max_retries=6,
)
def send_refund_task(refund_id: int) -> bool:
    """Send a refund to the payment provider; a no-op once it was sent."""
    return refund_send(refund_id=refund_id)


@shared_task(name="bookings.refunds_resend_stale")
def refunds_resend_stale_task() -> int:
    return refunds_resend_stale()


@shared_task(name="bookings.expire_unpaid")
def expire_unpaid_task() -> int:
    """Expire every booking unpaid past its deadline, a batch per transaction."""
    expired = 0
    while batch := bookings_expire_unpaid():
        expired += batch
    return expired


@shared_task(name="bookings.complete_stays")
def complete_stays_task() -> int:
    """Complete every confirmed stay whose check-out day has come."""
    completed = 0
    while batch := bookings_complete():
        completed += batch
    return completed
