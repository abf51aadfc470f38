"""Reading conversations: who may see one, a user's inbox with each row's
unread count in the same query, the total unread badge, and a timeline page."""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, When
from django.db.models.functions import Coalesce

from chat.models import Conversation, Message
from core.exceptions import NotFound
from core.models import User

logger = logging.getLogger("travelhub.chat.support")


def side_of(user: User, conversation: Conversation) -> str:
    """ "guest" or "host": which of the two the user is (a participant)."""
    return "guest" if user.pk == conversation.guest_id else "host"


def is_participant(user: User, conversation: Conversation) -> bool:
    return user.pk in (conversation.guest_id, conversation.host_id)


def access_conversation(*, user: User, conversation_id: int) -> Conversation:
    """A conversation of the user's (as guest or host); staff read any, for
    support, and each such read is logged. 404 for everyone else."""
    return _visible(user, Conversation.objects.filter(pk=conversation_id).first())


def conversation_shown(*, user: User, conversation_id: int) -> Conversation:
    """`access_conversation` with what a client is shown of it: the people
    and their presence rows, the listing, the last message and the user's
    unread count (0 for staff reading it). One query."""
    conversation = _detailed(Conversation.objects.filter(pk=conversation_id), user).first()
    conversation = _visible(user, conversation)
    if not is_participant(user, conversation):
        conversation.unread_count = 0
    return conversation


def _visible(user: User, conversation: Conversation | None) -> Conversation:
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


# --- the inbox ---------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxPosition:
    """Where a page of the inbox ends: its last row's message time and id."""

    last_message_at: datetime
    id: int


def _my_read_cursor(user: User) -> Case:
    return Case(
        When(guest_id=user.pk, then=F("guest_last_read_id")),
        default=F("host_last_read_id"),
        output_field=IntegerField(),
    )


def _unread_count(user: User) -> Coalesce:
    """The user's unread messages of the outer conversation: the other
    side's live messages past the user's cursor (the partial unread index)."""
    unread = (
        Message.objects.filter(conversation=OuterRef("pk"), deleted_at__isnull=True, id__gt=OuterRef("my_last_read_id"))
        .exclude(sender_id=user.pk)
        .order_by()
        .values("conversation")
        .annotate(count=Count("*"))
        .values("count")
    )
    return Coalesce(Subquery(unread, output_field=IntegerField()), 0)


def inbox(
    *,
    user: User,
    archived: bool = False,
    unread_only: bool = False,
    listing_id: int | None = None,
    after: InboxPosition | None = None,
    size: int = 50,
) -> QuerySet[Conversation]:
    """A page of `size` of the user's conversations (their archived copies,
    or the others), newest message first, each with the listing, the last
    message and the user's unread count: one query. The page is chosen
    first among the user's conversations as guest and as host apart, each
    the first `size` entries of its inbox index; the last messages and
    unread counts are then read for that page only, however many
    conversations the user has."""

    def first_of(conversations: QuerySet[Conversation]) -> QuerySet:
        if listing_id is not None:
            conversations = conversations.filter(listing_id=listing_id)
        if unread_only:
            conversations = conversations.annotate(
                my_last_read_id=_my_read_cursor(user), unread_count=_unread_count(user)
            ).filter(unread_count__gt=0)
        if after is not None:
            conversations = conversations.filter(
                Q(last_message_at__lt=after.last_message_at) | Q(last_message_at=after.last_message_at, id__lt=after.id)
            )
        return conversations.order_by("-last_message_at", "-id").values("pk")[:size]

    as_guest = first_of(Conversation.objects.filter(guest=user, guest_archived=archived))
    as_host = first_of(Conversation.objects.filter(host=user, host_archived=archived))
    if connection.features.supports_slicing_ordering_in_compound:
        # PostgreSQL: one list of at most 2 × size ids, which the planner
        # sizes right (an OR of the two makes it expect thousands of rows
        # and hash the whole message table for the last messages).
        page = Conversation.objects.filter(pk__in=as_guest.union(as_host, all=True))
    else:  # SQLite cannot limit the parts of a UNION
        page = Conversation.objects.filter(Q(pk__in=as_guest) | Q(pk__in=as_host))
    return _detailed(page, user).order_by("-last_message_at", "-id")[:size]


# What a client is shown of a conversation: its own columns, the listing's
# title and the last message (not the listing's description or search
# vector, which would travel with every row).
SHOWN_FIELDS = [
    *(field.name for field in Conversation._meta.concrete_fields),
    "listing__id",
    "listing__title",
    *(f"last_message__{name}" for name in ("id", "sender", "body", "attachment", "created_at", "deleted_at")),
]


def _detailed(conversations: QuerySet[Conversation], user: User) -> QuerySet[Conversation]:
    return (
        conversations.select_related("listing", "last_message")
        .only(*SHOWN_FIELDS)
        .annotate(my_last_read_id=_my_read_cursor(user))
        .annotate(unread_count=_unread_count(user))
    )


def people_of(conversations: list[Conversation]) -> dict[int, User]:
    """The participants of these conversations with their last-seen rows,
    by id: one query whatever the number of conversations."""
    ids = {person for conversation in conversations for person in (conversation.guest_id, conversation.host_id)}
    if not ids:
        return {}
    people = (
        User.objects.filter(pk__in=ids)
        .select_related("chat_presence")
        .only("id", "username", "first_name", "last_name", "chat_presence__last_seen_at")
    )
    return {person.pk: person for person in people}


def unread_total(*, user: User) -> int:
    """The user's unread messages over all their conversations: one query
    (each conversation's part read from the partial unread index)."""
    my_cursor = Case(
        When(conversation__guest_id=user.pk, then=F("conversation__guest_last_read_id")),
        default=F("conversation__host_last_read_id"),
        output_field=IntegerField(),
    )
    return (
        Message.objects.filter(Q(conversation__guest=user) | Q(conversation__host=user))
        .filter(deleted_at__isnull=True, id__gt=my_cursor)
        .exclude(sender_id=user.pk)
        .count()
    )


# --- the timeline ------------------------------------------------------------------------


def timeline(
    *, conversation: Conversation, before: int | None = None, after: int | None = None, size: int = 50
) -> list[Message]:
    """A page of the conversation's messages, newest first: the newest ones,
    those just older than `before`, or those just newer than `after` (by
    id; one query, an index range scan)."""
    messages = Message.objects.filter(conversation=conversation)
    if after is not None:
        page = list(messages.filter(id__gt=after).order_by("id")[:size])
        return page[::-1]
    if before is not None:
        messages = messages.filter(id__lt=before)
    return list(messages.order_by("-id")[:size])
