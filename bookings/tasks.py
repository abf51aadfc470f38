"""Celery tasks of the rentals app: take ids, call one service, safe to run twice."""

from celery import shared_task

from bookings.services.photos import photo_process


# A photo the worker cannot read is marked failed by the service; only the
# storage being unreachable is worth another try.
@shared_task(name="bookings.process_photo", autoretry_for=(OSError,), retry_backoff=5, max_retries=5)
def process_photo_task(photo_id: int) -> bool:
    """Make a photo's web copies and thumbnail; a no-op when it is done."""
    return photo_process(photo_id=photo_id)
