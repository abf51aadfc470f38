"""Sending and deleting messages, and the cursors that say what each side
has read and what its devices have received.

A send holds the conversation's row from before its message is inserted to
the commit, so inside a conversation message ids grow in commit order: a
cursor that passed an id has seen every message up to it, and "unread" is
simply the other side's not-deleted messages past the cursor."""

import logging
import re
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import Booking
from bookings.services.photos import MAX_PHOTO_BYTES, photo_content_type
from chat.models import MAX_BODY_CHARS, Conversation, Message
from chat.realtime import events_publish_on_commit, user_has_live_connection
from chat.selectors.conversations import access_own_conversation, side_of
from chat.services.limits import message_rate_take
from chat.services.push import push_schedule
from core.exceptions import Conflict, InvalidInput, NotFound, PayloadTooLarge
from core.models import User
from core.services.task_dispatch import task_send_on_commit

logger = logging.getLogger(__name__)

# Contact details that would take the conversation (and the payment) off the
# platform: an e-mail address, or seven or more digits however they are spaced.
EMAIL_PATTERN = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
PHONE_PATTERN = re.compile(r"(?:\+?\d[\s().-]*){7,}")


def message_send(
    *,
    user: User,
    conversation_id: int,
    body: str,
    client_id: uuid.UUID | None = None,
    attachment=None,
) -> tuple[Message, bool]:
    """Send a message (text trimmed, 1 to 5,000 characters, or an image with
    or without text). A `client_id` the sender already used returns that
    message instead (a retried send); returns the message and whether it is new."""
    conversation = access_own_conversation(user=user, conversation_id=conversation_id)
    if client_id is not None:
        earlier = Message.objects.filter(sender=user, client_id=client_id).first()
        if earlier is not None:
            return _retried(earlier, conversation), False
    body = (body or "").strip()
    if "\x00" in body:
        raise InvalidInput(_("El mensaje contiene caracteres no permitidos."), code="control_characters", field="body")
    if len(body) > MAX_BODY_CHARS:
        raise InvalidInput(
            _("El mensaje tiene %(length)d caracteres; el máximo es %(max)d.")
            % {"length": len(body), "max": MAX_BODY_CHARS},
            code="too_long",
            field="body",
        )
    if not body and attachment is None:
        raise InvalidInput(_("El mensaje está vacío."), code="empty", field="body")
    image = _attachment_read(attachment) if attachment is not None else None
    message_rate_take(user_id=user.pk)
    flagged = bool(body) and _shares_contact_details(body) and not _booked_together(conversation)
    recipient_id = conversation.host_id if user.pk == conversation.guest_id else conversation.guest_id
    # Asked before the row is held: nothing waits on Redis while it is.
    recipient_connected = user_has_live_connection(recipient_id)
    with transaction.atomic():
        conversation_turn_take(conversation.pk)
        message = Message(
            conversation=conversation, sender=user, body=body, client_id=client_id, flagged_for_review=flagged
        )
        if image is not None:
            data, content_type = image
            message.attachment.save(f"original.{content_type.split('/')[1]}", ContentFile(data), save=False)
        try:
            with transaction.atomic():
                message.save()
        except IntegrityError:
            # The same client id sent twice at once: the other one was first.
            earlier = Message.objects.filter(sender=user, client_id=client_id).first() if client_id else None
            if earlier is None:
                raise
            if image is not None:
                message.attachment.delete(save=False)  # this copy's original is not needed
            return _retried(earlier, conversation), False
        _conversation_advance(conversation, message)
        if image is not None:
            task_send_on_commit("chat.process_attachment", message.pk)
        if flagged:
            logger.info("chat message %s flagged for review: contact details before a booking", message.pk)
        events_publish_on_commit(
            user_ids=[conversation.guest_id, conversation.host_id],
            event_type="message.created",
            payload={"conversation": conversation.pk, "message": message.pk, "sender": user.pk},
        )
        if not recipient_connected:
            push_schedule(conversation_id=conversation.pk, recipient_id=recipient_id)
    return message, True


def _conversation_advance(conversation: Conversation, message: Message) -> None:
    """The conversation after a new message: its last message, the sender's
    cursors on it (they have read what they wrote), the recipient's copy
    back from the archive."""
    mine = "guest" if message.sender_id == conversation.guest_id else "host"
    theirs = "host" if mine == "guest" else "guest"
    Conversation.objects.filter(pk=conversation.pk).update(
        last_message=message,
        last_message_at=message.created_at,
        **{f"{mine}_last_read_id": message.pk, f"{mine}_last_delivered_id": message.pk},
        **{f"{theirs}_archived": False},
    )


def conversation_turn_take(conversation_id: int) -> None:
    """Hold the conversation's row until the commit, before the message is
    inserted: its sends commit one at a time in the order they take their
    ids, so a reader that saw a message has seen every older one, and a read
    cursor never passes a message that was not there to read."""
    Conversation.objects.select_for_update().filter(pk=conversation_id).first()


def _retried(earlier: Message, conversation: Conversation) -> Message:
    if earlier.conversation_id != conversation.pk:
        raise Conflict(_("Ese client_id ya se usó para otro mensaje en otra conversación."), code="client_id_reused")
    return earlier


def _attachment_read(file) -> tuple[bytes, str]:
    """The image's bytes and type, checked as a listing's photos are."""
    data = file.read(MAX_PHOTO_BYTES + 1)
    if len(data) > MAX_PHOTO_BYTES:
        raise PayloadTooLarge(
            _("El adjunto supera el máximo de %(megabytes)d MB.") % {"megabytes": MAX_PHOTO_BYTES // (1024 * 1024)},
            field="attachment",
        )
    try:
        return data, photo_content_type(data)
    except InvalidInput as invalid:
        raise InvalidInput(invalid.message, code=invalid.code, field="attachment") from invalid


def _shares_contact_details(body: str) -> bool:
    return bool(EMAIL_PATTERN.search(body) or PHONE_PATTERN.search(body))


def _booked_together(conversation: Conversation) -> bool:
    """Whether the guest has a booking (made, paid or stayed) with the host."""
    return Booking.objects.filter(
        guest_id=conversation.guest_id, host_id=conversation.host_id, status__in=Booking.HOLDS_ITS_NIGHTS
    ).exists()


def message_delete(*, user: User, conversation_id: int, message_id: int) -> Message:
    """The sender removes a message's content within CHAT_DELETE_WINDOW_MINUTES;
    the row stays, shown as deleted. Deleting it again changes nothing."""
    conversation = access_own_conversation(user=user, conversation_id=conversation_id)
    now = timezone.now()
    window = timedelta(minutes=settings.CHAT_DELETE_WINDOW_MINUTES)
    mine = Message.objects.filter(pk=message_id, conversation=conversation, sender=user)
    with transaction.atomic():
        files = list(
            mine.filter(deleted_at__isnull=True).values_list("attachment", "attachment_large", "attachment_thumb")
        )
        deleted = mine.filter(deleted_at__isnull=True, created_at__gte=now - window).update(
            deleted_at=now, body="", attachment="", attachment_large="", attachment_thumb=""
        )
        message = mine.first()
        if message is None:
            raise NotFound()
        if not deleted:
            if message.deleted_at is not None:
                return message
            raise Conflict(
                _("Un mensaje solo se puede borrar durante %(minutes)d minutos después de enviarlo.")
                % {"minutes": settings.CHAT_DELETE_WINDOW_MINUTES},
                code="delete_window_passed",
            )
        names = [name for row in files for name in row if name]
        if names:
            transaction.on_commit(lambda: _files_delete(message, names))
        events_publish_on_commit(
            user_ids=[conversation.guest_id, conversation.host_id],
            event_type="message.deleted",
            payload={"conversation": conversation.pk, "message": message.pk},
        )
    return message


def _files_delete(message: Message, names: list[str]) -> None:
    storage = message.attachment.storage
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.warning("chat attachment %s of message %s could not be deleted", name, message.pk, exc_info=True)


# --- cursors -----------------------------------------------------------------------------


def cursor_forward_only(column: str, message_id: int) -> Q:
    """The guard that keeps a cursor from moving back (a late or reordered
    acknowledgement must not make read messages unread again)."""
    return Q(**{f"{column}__lt": message_id})


def conversation_read_mark(*, user: User, conversation_id: int, message_id: int) -> int:
    """The user has read the conversation up to `message_id`: one UPDATE
    that moves the read cursor (and the delivered one with it) only forward,
    and never past the last message. Returns the cursor."""
    conversation = access_own_conversation(user=user, conversation_id=conversation_id)
    side = side_of(user, conversation)
    read, delivered = f"{side}_last_read_id", f"{side}_last_delivered_id"
    moved = (
        Conversation.objects.filter(pk=conversation.pk, last_message_id__gte=message_id)
        .filter(cursor_forward_only(read, message_id))
        .update(**{read: message_id, delivered: Greatest(F(delivered), message_id)})
    )
    if moved:
        events_publish_on_commit(
            user_ids=[conversation.guest_id, conversation.host_id],
            event_type="conversation.read",
            payload={"conversation": conversation.pk, "reader": user.pk, "last_read_id": message_id},
        )
        return message_id
    _cursor_target_check(conversation, message_id)
    return Conversation.objects.values_list(read, flat=True).get(pk=conversation.pk)


def conversation_delivered_mark(*, user: User, conversation_id: int, message_id: int) -> int:
    """The user's device received the conversation up to `message_id` (its
    acknowledgement over the socket or POST …/delivered/): one UPDATE that
    moves the delivered cursor only forward. Returns the cursor."""
    conversation = access_own_conversation(user=user, conversation_id=conversation_id)
    delivered = f"{side_of(user, conversation)}_last_delivered_id"
    moved = (
        Conversation.objects.filter(pk=conversation.pk, last_message_id__gte=message_id)
        .filter(cursor_forward_only(delivered, message_id))
        .update(**{delivered: message_id})
    )
    if moved:
        events_publish_on_commit(
            user_ids=[conversation.guest_id, conversation.host_id],
            event_type="conversation.delivered",
            payload={"conversation": conversation.pk, "recipient": user.pk, "last_delivered_id": message_id},
        )
        return message_id
    _cursor_target_check(conversation, message_id)
    return Conversation.objects.values_list(delivered, flat=True).get(pk=conversation.pk)


def _cursor_target_check(conversation: Conversation, message_id: int) -> None:
    last = Conversation.objects.values_list("last_message_id", flat=True).get(pk=conversation.pk)
    if message_id <= 0 or last is None or message_id > last:
        raise InvalidInput(
            _("El mensaje %(id)d no es de esta conversación.") % {"id": message_id},
            code="unknown_message",
            field="message",
        )


def conversation_archive_set(*, user: User, conversation_id: int, archived: bool) -> Conversation:
    """Archive (or bring back) the user's own copy; the other side's is untouched."""
    conversation = access_own_conversation(user=user, conversation_id=conversation_id)
    column = f"{side_of(user, conversation)}_archived"
    Conversation.objects.filter(pk=conversation.pk).update(**{column: archived})
    setattr(conversation, column, archived)
    return conversation
