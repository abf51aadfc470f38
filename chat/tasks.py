"""Celery tasks of the chat: take ids, call one service, safe to run twice."""

from celery import shared_task

from chat.services.attachments import attachment_process
from chat.services.push import push_unread_send


# Only the storage being unreachable is worth another try.
@shared_task(name="chat.process_attachment", autoretry_for=(OSError,), retry_backoff=5, max_retries=5)
def process_attachment_task(message_id: int) -> bool:
    """Make a message image's web copy and thumbnail; a no-op when done."""
    return attachment_process(message_id=message_id)


@shared_task(name="chat.push_unread")
def push_unread_task(conversation_id: int, recipient_id: int) -> bool:
    """Push what the recipient has not read of the conversation; a no-op once pushed or read."""
    return push_unread_send(conversation_id=conversation_id, recipient_id=recipient_id)
