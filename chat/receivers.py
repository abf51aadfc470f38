"""What chat does when other apps announce something (connected in ChatConfig.ready)."""

from bookings.models import Booking
from chat.services.conversations import conversation_ensure


def conversation_for_booking(sender, *, booking: Booking, **kwargs) -> None:
    """A booking opens its guest–host conversation, in the booking's
    transaction: a booking that rolls back leaves no conversation."""
    conversation_ensure(guest=booking.guest, listing=booking.listing, booking=booking)
