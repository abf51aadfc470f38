"""Who is on the other side: what the socket needs to send typing and
presence to the right people and nobody else."""

from django.db.models import Q

from chat.models import Conversation


def conversation_other_participant(*, user_id: int, conversation_id: int) -> int | None:
    """The other participant of a conversation the user takes part in;
    None when there is no such conversation or the user is not in it."""
    row = (
        Conversation.objects.filter(pk=conversation_id)
        .filter(Q(guest_id=user_id) | Q(host_id=user_id))
        .values_list("guest_id", "host_id")
        .first()
    )
    if row is None:
        return None
    guest_id, host_id = row
    return host_id if guest_id == user_id else guest_id


def counterparts_recent(*, user_id: int, limit: int) -> list[int]:
    """The people the user talked with most recently (at most `limit`
    conversations, newest first, each person once): who is told when the
    user comes online or leaves. Two queries served by the inbox indexes."""
    rows = []
    for side, other in (("guest_id", "host_id"), ("host_id", "guest_id")):
        rows += (
            Conversation.objects.filter(**{side: user_id})
            .order_by("-last_message_at")
            .values_list("last_message_at", other)[:limit]
        )
    rows.sort(reverse=True)
    return list(dict.fromkeys(person for _, person in rows[:limit]))
