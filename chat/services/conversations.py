"""Opening conversations: by the guest from a listing, or by a booking. One
per (guest, host, listing), whoever asks first and however many ask at once."""

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import Booking, Listing
from chat.models import Conversation
from core.exceptions import InvalidInput
from core.models import User

logger = logging.getLogger(__name__)


def conversation_ensure(*, guest: User, listing: Listing, booking: Booking | None = None) -> tuple[Conversation, bool]:
    """The guest's conversation with the listing's host about the listing,
    created when there is none (the unique constraint decides between two
    that ask at once). Returns it and whether it was created. A booking is
    recorded on it (the latest one)."""
    if guest.pk == listing.host_id:
        raise InvalidInput(_("No puede escribirse a sí mismo."), code="own_listing", field="listing")
    existing = Conversation.objects.filter(guest=guest, host_id=listing.host_id, listing=listing).first()
    if existing is None:
        try:
            with transaction.atomic():
                created = Conversation.objects.create(
                    guest=guest,
                    host_id=listing.host_id,
                    listing=listing,
                    booking=booking,
                    last_message_at=timezone.now(),
                )
            return created, True
        except IntegrityError:
            existing = Conversation.objects.get(guest=guest, host_id=listing.host_id, listing=listing)
    if booking is not None and existing.booking_id != booking.pk:
        Conversation.objects.filter(pk=existing.pk).update(booking=booking)
        existing.booking = booking
    return existing, False
