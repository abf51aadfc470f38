"""Queueing notifications: rendered in the recipient's language and written
in the caller's transaction, so a rolled-back change notifies nobody. The
workers that send them are in core.services.notification_queue. Also the
users' choices of channels per kind."""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.exceptions import InvalidInput
from core.models import (
    Client,
    Notification,
    NotificationOptOut,
    NotificationPreference,
    User,
)
from core.notification_kinds import KINDS
from core.services.task_dispatch import task_wake

# --- enqueueing -------------------------------------------------------------


def notification_build(
    *,
    recipient: User | int | None = None,
    kind: str,
    data: dict | None = None,
    priority: int = 0,
    available_at: datetime | None = None,
    email: str = "",
    language: str = "",
    name: str = "",
    attachments: list[str] | None = None,
) -> Notification:
    """The notification rendered in the recipient's language, not saved yet
    (`notifications_enqueue` queues it). The recipient is a user or, for
    people without an account (the agency's clients), an `email` with its
    `language` and `name`."""
    if kind not in KINDS:
        raise InvalidInput(f"unknown notification kind {kind!r}", field="kind")
    if recipient is None:
        if not email:
            raise InvalidInput("a notification needs a recipient or an e-mail address", field="recipient")
        language = language or settings.LANGUAGE_CODE
    else:
        if not isinstance(recipient, User):
            recipient = User.objects.only("id", "first_name", "username", "preferred_language").get(pk=recipient)
        language = recipient.preferred_language or settings.LANGUAGE_CODE
        name = recipient.first_name or recipient.username
    data = data or {}
    context = {"name": name, **data}
    with translation.override(language):
        subject = render_to_string(f"notifications/{kind}/subject.{language}.txt", context).strip()
        body = render_to_string(f"notifications/{kind}/body.{language}.txt", context).strip()
    return Notification(
        recipient=recipient,
        recipient_email=email if recipient is None else "",
        attachments=list(attachments or []),
        kind=kind,
        language=language,
        subject=subject[:200],
        body=body,
        data=data,
        priority=priority,
        available_at=available_at or timezone.now(),
    )


def notifications_enqueue(notifications: list[Notification]) -> list[Notification]:
    """Queue built notifications in one INSERT, in the caller's transaction:
    if that rolls back, nothing was queued. Workers are woken when it commits."""
    queued = Notification.objects.bulk_create(notifications)
    if queued:
        notification_queue_wake()
    return queued


def enqueue_notification(**details) -> Notification:
    """Render one notification (`notification_build`'s arguments) and queue it."""
    return notifications_enqueue([notification_build(**details)])[0]


def send_notification_async(
    kind: str, recipient: User | int | Client, data: dict | None = None, *, attachments: list[str] | None = None
) -> Notification:
    """The spelling other features use: queue `kind` for `recipient`, a user
    or a client of the agency (reached by e-mail, in their language)."""
    if isinstance(recipient, Client):
        return enqueue_notification(
            kind=kind,
            data=data,
            email=recipient.email,
            language=recipient.preferred_language,
            name=recipient.name,
            attachments=attachments,
        )
    return enqueue_notification(recipient=recipient, kind=kind, data=data, attachments=attachments)


def notification_queue_wake() -> None:
    """Have a worker drain the queue once the current transaction commits."""
    task_wake("core.notification_queue_drain")


# --- preferences ------------------------------------------------------------


def notification_preferences_set(*, user: User, unsubscribed: bool, preferences: list[dict]) -> None:
    """Replace the user's choices: `preferences` are {kind, channel, enabled}."""
    for preference in preferences:
        if preference["kind"] not in KINDS:
            raise InvalidInput(f"unknown notification kind {preference['kind']!r}", field="preferences")
    with transaction.atomic():
        if unsubscribed:
            NotificationOptOut.objects.get_or_create(user=user)
        else:
            NotificationOptOut.objects.filter(user=user).delete()
        NotificationPreference.objects.filter(user=user).delete()
        NotificationPreference.objects.bulk_create(
            NotificationPreference(user=user, kind=p["kind"], channel=p["channel"], enabled=p["enabled"])
            for p in preferences
        )
