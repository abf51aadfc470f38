"""What the chat brings to the platform: its notification kind, and what it
does when a booking is made (core finds this module at start-up, once the
apps are ready)."""

from bookings.signals import booking_created
from chat.receivers import conversation_for_booking
from chat.services.demo_data import chat_demo_create
from core.models import Channel
from core.notification_kinds import notification_kind_register
from core.services.demo_data import demo_data_register

# New messages for someone who is not connected: a push, collapsed per conversation.
notification_kind_register("chat_message", default_channels=(Channel.PUSH,))

# A booking opens (or finds) its guest–host conversation; bookings only sends
# the signal and never imports chat.
booking_created.connect(conversation_for_booking, dispatch_uid="chat.conversation_for_booking")

demo_data_register("chat", chat_demo_create)
