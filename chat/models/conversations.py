"""A conversation between a guest and a host about a listing (and maybe a
booking), and its messages.

Unread state is a cursor per participant: the id of the last message that
side has read (and a second one for what its devices acknowledged). Message
ids only grow inside a conversation in commit order (a send holds the
conversation's row), so "unread" is simply the other side's not-deleted
messages with a larger id than the cursor."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

MAX_BODY_CHARS = 5_000


class Conversation(models.Model):
    # Indexed by the inboxes' indexes (below), which lead with them.
    guest = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("huésped"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("anfitrión"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    listing = models.ForeignKey(
        "bookings.Listing", verbose_name=_("alojamiento"), on_delete=models.PROTECT, related_name="conversations"
    )
    # The latest booking it is about, when there is one.
    booking = models.ForeignKey(
        "bookings.Booking",
        verbose_name=_("reserva"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("creada"), auto_now_add=True)
    # The inbox's order: the creation time until the first message.
    last_message_at = models.DateTimeField(_("último mensaje"))
    last_message = models.ForeignKey(
        "chat.Message",
        verbose_name=_("último mensaje"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Cursors: the id of the last message read / acknowledged by each side's devices (0: none).
    guest_last_read_id = models.BigIntegerField(_("leído por el huésped hasta"), default=0)
    host_last_read_id = models.BigIntegerField(_("leído por el anfitrión hasta"), default=0)
    guest_last_delivered_id = models.BigIntegerField(_("entregado al huésped hasta"), default=0)
    host_last_delivered_id = models.BigIntegerField(_("entregado al anfitrión hasta"), default=0)
    # The last message a push was claimed for, per recipient: a push is sent once.
    guest_last_pushed_id = models.BigIntegerField(_("notificado al huésped hasta"), default=0)
    host_last_pushed_id = models.BigIntegerField(_("notificado al anfitrión hasta"), default=0)
    guest_archived = models.BooleanField(_("archivada por el huésped"), default=False)
    host_archived = models.BooleanField(_("archivada por el anfitrión"), default=False)

    class Meta:
        verbose_name = _("conversación")
        verbose_name_plural = _("conversaciones")
        constraints = [
            models.UniqueConstraint(fields=["guest", "host", "listing"], name="conversation_once_per_listing"),
            models.CheckConstraint(condition=~Q(guest=models.F("host")), name="conversation_two_people"),
        ]
        indexes = [
            # Each participant's inbox (archived or not), newest first; the
            # id breaks ties for the keyset cursor.
            models.Index(
                fields=["guest", "guest_archived", "-last_message_at", "-id"], name="conversation_guest_inbox"
            ),
            models.Index(fields=["host", "host_archived", "-last_message_at", "-id"], name="conversation_host_inbox"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.guest_id}↔{self.host_id} ({self.listing_id})"


def attachment_path(message: "Message", filename: str) -> str:
    # A random name: the upload's name says nothing here.
    return f"chat/{message.conversation_id}/{uuid.uuid4().hex}{filename[filename.rfind('.') :][:6].lower()}"


class Message(models.Model):
    # Indexed by the timeline's index, which leads with it.
    conversation = models.ForeignKey(
        Conversation,
        verbose_name=_("conversación"),
        on_delete=models.CASCADE,
        related_name="messages",
        db_index=False,
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("remitente"), on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(_("texto"), max_length=MAX_BODY_CHARS, blank=True)
    # An image: the original as uploaded (checked from its bytes) and the
    # web-sized copy a worker makes of it without metadata.
    attachment = models.FileField(_("adjunto"), upload_to=attachment_path, max_length=200, blank=True)
    attachment_large = models.FileField(_("adjunto (web)"), upload_to=attachment_path, max_length=200, blank=True)
    attachment_thumb = models.FileField(_("adjunto (miniatura)"), upload_to=attachment_path, max_length=200, blank=True)
    # Chosen by the sender's device: a retried send finds the first one.
    client_id = models.UUIDField(_("id del cliente"), null=True, blank=True)
    flagged_for_review = models.BooleanField(_("para revisión"), default=False)
    created_at = models.DateTimeField(_("enviado"), auto_now_add=True)
    deleted_at = models.DateTimeField(_("borrado"), null=True, blank=True)

    class Meta:
        verbose_name = _("mensaje")
        verbose_name_plural = _("mensajes")
        constraints = [
            models.UniqueConstraint(
                fields=["sender", "client_id"], condition=Q(client_id__isnull=False), name="message_client_id_once"
            ),
            models.CheckConstraint(
                condition=Q(deleted_at__isnull=False) | ~Q(body="") | ~Q(attachment=""), name="message_not_empty"
            ),
        ]
        indexes = [
            # The timeline (keyset on id, both directions).
            models.Index(fields=["conversation", "id"], name="message_timeline"),
            # The unread count: the other side's live messages past a cursor.
            models.Index(
                fields=["conversation", "id", "sender"], name="message_unread", condition=Q(deleted_at__isnull=True)
            ),
            # The staff's review queue.
            models.Index(fields=["-id"], name="message_flagged", condition=Q(flagged_for_review=True)),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} in {self.conversation_id} by {self.sender_id}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class UserPresence(models.Model):
    """When a user was last seen by the chat (a heartbeat or a socket),
    written at most once a minute; "online" itself lives in Redis."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("usuario"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="chat_presence",
    )
    last_seen_at = models.DateTimeField(_("visto por última vez"))

    class Meta:
        verbose_name = _("presencia")
        verbose_name_plural = _("presencias")

    def __str__(self) -> str:
        return f"{self.user_id} {self.last_seen_at:%Y-%m-%d %H:%M}"
