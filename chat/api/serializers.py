"""Serializers of the chat API: what a client sends is checked here (its
shape), the rules are in chat.services; what it gets back is shaped here."""

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from bookings.api.booking_serializers import StrictInputSerializer
from chat.models import Conversation, Message
from chat.selectors.conversations import side_of

PREVIEW_CHARS = 140


class ConversationOpenSerializer(StrictInputSerializer):
    listing = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class InboxQuerySerializer(serializers.Serializer):
    archived = serializers.BooleanField(required=False, default=False)
    unread_only = serializers.BooleanField(required=False, default=False)
    listing = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    cursor = serializers.CharField(required=False, max_length=100)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100, default=50)


class TimelineQuerySerializer(serializers.Serializer):
    before = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    after = serializers.IntegerField(required=False, min_value=0, max_value=2**63 - 1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100, default=50)

    def validate(self, data):
        if "before" in data and "after" in data:
            raise serializers.ValidationError({"after": [_("Use before= o after=, no ambos.")]})
        return data


class MessageSendSerializer(StrictInputSerializer):
    # Trimmed and measured by the service (the socket sends through it too).
    body = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, default="")
    client_id = serializers.UUIDField(required=False, allow_null=True, default=None)
    attachment = serializers.FileField(required=False, allow_empty_file=False)


class CursorMoveSerializer(StrictInputSerializer):
    message = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class ArchiveSerializer(StrictInputSerializer):
    archived = serializers.BooleanField()


class PersonSerializer(serializers.Serializer):
    """The other participant as a client shows them; presence is the
    client's to interpret (`online` now, else when last seen). Described
    here for the schema; rows are made by `person_shown`."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    avatar_url = serializers.URLField(allow_null=True, help_text="Users have no picture yet: null; show initials.")
    online = serializers.BooleanField()
    last_seen_at = serializers.DateTimeField(allow_null=True)


_DATETIME = serializers.DateTimeField()


def person_shown(person, online: set[int]) -> dict:
    # A plain dict: a serializer per row costs more than the rest of the row.
    presence = getattr(person, "chat_presence", None)
    return {
        "id": person.pk,
        "name": person.get_full_name() or person.username,
        "avatar_url": None,
        "online": person.pk in online,
        "last_seen_at": _DATETIME.to_representation(presence.last_seen_at) if presence else None,
    }


class LastMessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sender = serializers.IntegerField(source="sender_id")
    preview = serializers.SerializerMethodField()
    has_attachment = serializers.SerializerMethodField()
    deleted = serializers.BooleanField(source="is_deleted")
    created_at = serializers.DateTimeField()

    def get_preview(self, message) -> str:
        return message.body[:PREVIEW_CHARS]

    def get_has_attachment(self, message) -> bool:
        return bool(message.attachment)


class ListingSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class ConversationSerializer(serializers.ModelSerializer):
    """A conversation as one of its participants sees it (staff reading for
    support see both people as `guest` and `host`, and `other` is null)."""

    listing = ListingSummarySerializer(read_only=True)
    booking = serializers.IntegerField(source="booking_id", allow_null=True, read_only=True)
    guest = serializers.IntegerField(source="guest_id", read_only=True)
    host = serializers.IntegerField(source="host_id", read_only=True)
    other = serializers.SerializerMethodField()
    last_message = LastMessageSerializer(read_only=True, allow_null=True)
    unread_count = serializers.IntegerField(read_only=True)
    archived = serializers.SerializerMethodField()
    my_last_read_id = serializers.SerializerMethodField()
    other_last_read_id = serializers.SerializerMethodField()
    other_last_delivered_id = serializers.SerializerMethodField()

    class Meta:
        model = Conversation
        fields = [
            "id",
            "listing",
            "booking",
            "guest",
            "host",
            "other",
            "last_message",
            "last_message_at",
            "unread_count",
            "archived",
            "my_last_read_id",
            "other_last_read_id",
            "other_last_delivered_id",
            "created_at",
        ]

    def _sides(self, conversation) -> tuple[str, str] | None:
        user = self.context["request"].user
        if user.pk not in (conversation.guest_id, conversation.host_id):
            return None
        mine = side_of(user, conversation)
        return mine, "host" if mine == "guest" else "guest"

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_other(self, conversation):
        sides = self._sides(conversation)
        if sides is None:
            return None
        other_id = getattr(conversation, f"{sides[1]}_id")
        return person_shown(self.context["people"][other_id], self.context.get("online", set()))

    def get_archived(self, conversation) -> bool:
        sides = self._sides(conversation)
        return bool(sides) and getattr(conversation, f"{sides[0]}_archived")

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_my_last_read_id(self, conversation):
        sides = self._sides(conversation)
        return getattr(conversation, f"{sides[0]}_last_read_id") if sides else None

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_other_last_read_id(self, conversation):
        sides = self._sides(conversation)
        return getattr(conversation, f"{sides[1]}_last_read_id") if sides else None

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_other_last_delivered_id(self, conversation):
        sides = self._sides(conversation)
        return getattr(conversation, f"{sides[1]}_last_delivered_id") if sides else None


class AttachmentSerializer(serializers.Serializer):
    ready = serializers.BooleanField()
    large_url = serializers.CharField(allow_null=True)
    thumb_url = serializers.CharField(allow_null=True)


class MessageSerializer(serializers.ModelSerializer):
    """A message; `status` says how far it reached its recipient (sent,
    delivered to a device, read), from the recipient's cursors."""

    conversation = serializers.IntegerField(source="conversation_id", read_only=True)
    sender = serializers.IntegerField(source="sender_id", read_only=True)
    deleted = serializers.BooleanField(source="is_deleted", read_only=True)
    attachment = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = ["id", "conversation", "sender", "body", "attachment", "client_id", "created_at", "deleted", "status"]

    @extend_schema_field(AttachmentSerializer(allow_null=True))
    def get_attachment(self, message):
        if not message.attachment:
            return None
        ready = bool(message.attachment_large)
        url = reverse("conversation-message-attachment", args=[message.conversation_id, message.pk])
        request = self.context.get("request")
        absolute = request.build_absolute_uri(url) if request else url
        return {
            "ready": ready,
            "large_url": f"{absolute}?size=large" if ready else None,
            "thumb_url": f"{absolute}?size=thumb" if ready else None,
        }

    @extend_schema_field({"type": "string", "enum": ["sent", "delivered", "read"]})
    def get_status(self, message) -> str:
        conversation = self.context["conversation"]
        recipient = "host" if message.sender_id == conversation.guest_id else "guest"
        if message.pk <= getattr(conversation, f"{recipient}_last_read_id"):
            return "read"
        if message.pk <= getattr(conversation, f"{recipient}_last_delivered_id"):
            return "delivered"
        return "sent"


# A page object, not a list of them (the schema would say an array for a list action).
@extend_schema_serializer(many=False)
class TimelineSerializer(serializers.Serializer):
    results = MessageSerializer(many=True)
    before = serializers.IntegerField(allow_null=True, help_text="Older messages: ?before= this id (null: none).")
    after = serializers.IntegerField(allow_null=True, help_text="Newer messages: ?after= this id.")


@extend_schema_serializer(many=False)
class InboxPageSerializer(serializers.Serializer):
    next = serializers.CharField(allow_null=True)
    results = ConversationSerializer(many=True)


class UnreadSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


class CursorSerializer(serializers.Serializer):
    conversation = serializers.IntegerField()
    last_read_id = serializers.IntegerField(required=False)
    last_delivered_id = serializers.IntegerField(required=False)


class PresenceSerializer(serializers.Serializer):
    online = serializers.BooleanField()
    last_seen_at = serializers.DateTimeField(allow_null=True)
