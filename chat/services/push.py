"""Push notifications for messages to someone not connected.

The first message of a burst to an offline recipient schedules one push for
the conversation CHAT_PUSH_COLLAPSE_SECONDS later (a key in the cache marks
the burst); later messages of the burst ride on it. When it runs, the push
is built from what is then still unread and not deleted — a read in the
meantime leaves nothing to send — and claimed by moving the recipient's
pushed cursor forward (a conditional UPDATE), so a task run twice pushes once."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from chat.models import Conversation, Message
from chat.realtime import user_has_live_connection
from core.services.notifications import notification_build, notifications_enqueue
from core.services.task_dispatch import task_send_on_commit

logger = logging.getLogger(__name__)

PREVIEW_CHARS = 140


def push_schedule(*, conversation_id: int, recipient_id: int) -> bool:
    """In the send's transaction: schedule the burst's push unless one is
    already scheduled. Returns whether this message scheduled it."""
    window = settings.CHAT_PUSH_COLLAPSE_SECONDS
    try:
        first = cache.add(f"chat:push:{conversation_id}:{recipient_id}", 1, timeout=window)
    except Exception:  # the cache is down: schedule anyway, the pushed cursor still pushes once
        logger.warning("chat push: cache unavailable, not collapsed", exc_info=True)
        first = True
    if first:
        # A second after the burst's key expires: a message that saw the key has committed by then.
        task_send_on_commit("chat.push_unread", conversation_id, recipient_id, countdown=window + 1)
    return first


def push_unread_send(*, conversation_id: int, recipient_id: int) -> bool:
    """Queue one push for the recipient's unread, not deleted messages of
    the conversation not pushed yet. False when there is nothing to push
    (read, deleted, already pushed) or the recipient is connected now."""
    with transaction.atomic():
        conversation = (
            Conversation.objects.select_for_update(of=("self",))
            .select_related("listing")
            .filter(pk=conversation_id)
            .first()
        )
        if conversation is None or recipient_id not in (conversation.guest_id, conversation.host_id):
            return False
        side = "guest" if recipient_id == conversation.guest_id else "host"
        read = getattr(conversation, f"{side}_last_read_id")
        pushed = getattr(conversation, f"{side}_last_pushed_id")
        unread = (
            Message.objects.filter(conversation=conversation, deleted_at__isnull=True, id__gt=read)
            .exclude(sender_id=recipient_id)
            .select_related("sender")
            .order_by("-id")
        )
        latest = unread.first()
        if latest is None or latest.pk <= pushed or user_has_live_connection(recipient_id):
            return False
        claimed = Conversation.objects.filter(pk=conversation.pk, **{f"{side}_last_pushed_id__lt": latest.pk}).update(
            **{f"{side}_last_pushed_id": latest.pk}
        )
        if not claimed:
            return False
        notifications_enqueue(
            [
                notification_build(
                    recipient=recipient_id,
                    kind="chat_message",
                    data={
                        "conversation": conversation.pk,
                        "message": latest.pk,
                        "count": unread.count(),
                        "sender_name": latest.sender.get_full_name() or latest.sender.username,
                        "listing_title": conversation.listing.title,
                        "preview": latest.body[:PREVIEW_CHARS],
                        "has_image": bool(latest.attachment),
                    },
                )
            ]
        )
    return True
