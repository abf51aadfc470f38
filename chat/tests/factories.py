"""Conversations and messages for tests, made through the services where
the rules matter (a message moves the conversation's cursors)."""

from bookings.tests.factories import ListingFactory
from chat.models import Conversation, Message
from chat.services.conversations import conversation_ensure
from chat.services.messages import message_send
from core.models import User
from core.tests.factories import UserFactory


def conversation(guest: User | None = None, listing=None) -> Conversation:
    conversation, _created = conversation_ensure(guest=guest or UserFactory(), listing=listing or ListingFactory())
    return conversation


def send(conversation: Conversation, sender: User, body: str = "Hola", **options) -> Message:
    message, _created = message_send(user=sender, conversation_id=conversation.pk, body=body, **options)
    return message
