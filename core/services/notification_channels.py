"""How a delivery reaches its channel. Each sender raises DeliveryFailed
(transient unless marked permanent); anything else it raises is treated as
transient too, so a bug in a provider retries instead of losing the message.

Push goes through a provider class named by NOTIFICATION_PUSH_PROVIDER
(default: log the message); real providers plug in by that setting."""

import json
import logging
import mimetypes
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string

from core.services.webhooks import webhook_event_emit

logger = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class LoggingPushProvider:
    """Writes each push to the log: the default until a real provider is set."""

    def send(self, *, user_id: int, title: str, body: str, data: dict) -> None:
        logger.info("push to user %s: %s", user_id, title)


class FilePushProvider:
    """Appends each push as one JSON line to NOTIFICATION_PUSH_FILE — like
    Django's file-based e-mail backend, for development and for checking
    from outside a worker what it sent (tests, benchmark)."""

    def send(self, *, user_id: int, title: str, body: str, data: dict) -> None:
        line = json.dumps({"user_id": user_id, "title": title, "data": data}) + "\n"
        # One write of a short line with O_APPEND: lines of several processes never interleave.
        with Path(settings.NOTIFICATION_PUSH_FILE).open("a", encoding="utf-8") as sink:
            sink.write(line)


@cache
def _push_provider_class(path: str) -> type:
    return import_string(path)


def push_provider():
    return _push_provider_class(settings.NOTIFICATION_PUSH_PROVIDER)()


def _send_email(notification) -> None:
    address = notification.recipient.email if notification.recipient_id else notification.recipient_email
    if not address:
        raise DeliveryFailed("the recipient has no e-mail address", permanent=True)
    # The header names the notification, so a sent message can be traced (and a
    # duplicate told apart) outside the database.
    message = EmailMessage(
        notification.subject,
        notification.body,
        to=[address],
        headers={"X-TravelHub-Notification": str(notification.id)},
    )
    for name in notification.attachments:
        try:
            with default_storage.open(name, "rb") as attached:
                message.attach(Path(name).name, attached.read(), mimetypes.guess_type(name)[0])
        except FileNotFoundError as missing:
            raise DeliveryFailed(f"attachment {name} is gone", permanent=True) from missing
    message.send()


def channel_send(delivery) -> None:
    """Send one delivery (with its notification and recipient loaded)."""
    notification = delivery.notification
    try:
        if delivery.channel == "email":
            _send_email(notification)
        elif delivery.channel == "push":
            push_provider().send(
                user_id=notification.recipient_id,
                title=notification.subject,
                body=notification.body,
                data={"notification": notification.id, "kind": notification.kind, **notification.data},
            )
        elif delivery.channel == "webhook":
            webhook_event_emit(
                event_type="notification.created",
                owner=notification.recipient,
                payload={"id": notification.id, "kind": notification.kind, "subject": notification.subject},
            )
        # In-app: the notification row is what the app shows; nothing to send.
    except DeliveryFailed:
        raise
    except Exception as error:
        raise DeliveryFailed(f"{type(error).__name__}: {error}") from error
