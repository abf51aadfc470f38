"""Reading conversations: who may see one, a user's inbox with each row's
unread count in the same query, and the total unread badge."""

import logging

from django.db.models import Q

from chat.models import Conversation
from core.exceptions import NotFound
from core.models import User

logger = logging.getLogger(__name__)


def is_participant(user: User, conversation: Conversation) -> bool:
    return user.pk in (conversation.guest_id, conversation.host_id)


def access_conversation(*, user: User, conversation_id: int) -> Conversation:
    """A conversation of the user's (as guest or host); staff read any, for
    support, and each such read is logged. 404 for everyone else."""
    conversation = Conversation.objects.select_related("guest", "host", "listing").filter(pk=conversation_id).first()
    if conversation is None:
        raise NotFound()
    if is_participant(user, conversation):
        return conversation
    if user.is_agency_staff:
        logger.info("staff user %s read conversation %s for support", user.pk, conversation.pk)
        return conversation
    raise NotFound()


def access_own_conversation(*, user: User, conversation_id: int) -> Conversation:
    """A conversation the user takes part in (to write to it or move its
    cursors): staff read others' but never write them. 404 otherwise."""
    conversation = Conversation.objects.filter(pk=conversation_id).filter(Q(guest=user) | Q(host=user)).first()
    if conversation is None:
        raise NotFound()
    return conversation
