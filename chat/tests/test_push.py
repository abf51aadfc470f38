"""A message to someone with no live socket becomes one push per burst,
built when it is sent from what is still unread: a read or a deletion in
the meantime leaves nothing to send, and a task run twice pushes once."""

import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from chat.realtime_store import realtime_store
from chat.services import messages
from chat.services.push import push_unread_send
from chat.tests.factories import conversation, send
from core.services.task_dispatch import task_outbox_resend

FILE_PUSH = "core.services.notification_channels.FilePushProvider"


@pytest.fixture
def pushes(settings, tmp_path):
    settings.NOTIFICATION_PUSH_PROVIDER = FILE_PUSH
    settings.NOTIFICATION_PUSH_FILE = str(tmp_path / "push.jsonl")
    return Path(settings.NOTIFICATION_PUSH_FILE)


def pushed(push_file: Path) -> list[dict]:
    if not push_file.exists():
        return []
    return [json.loads(line) for line in push_file.read_text().splitlines()]


@pytest.mark.django_db
def test_a_burst_to_an_offline_recipient_is_one_push(pushes, django_capture_on_commit_callbacks):
    talk = conversation()

    for text in ("Hola", "¿Está disponible en marzo?", "Somos dos"):
        with django_capture_on_commit_callbacks(execute=True):
            send(talk, talk.guest, text)

    sent = pushed(pushes)
    assert [push["user_id"] for push in sent] == [talk.host_id]
    assert sent[0]["data"]["conversation"] == talk.pk


@pytest.mark.django_db
def test_a_recipient_with_a_live_socket_gets_no_push(pushes, django_capture_on_commit_callbacks):
    talk = conversation()
    realtime_store().connection_touch(talk.host_id, "socket-1")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            send(talk, talk.guest, "Hola")
    finally:
        realtime_store().connection_drop(talk.host_id, "socket-1")

    assert pushed(pushes) == []


@pytest.mark.django_db
@pytest.mark.parametrize("before_the_push", ["read", "deleted"])
def test_a_message_read_or_deleted_before_its_push_leaves_nothing_to_send(
    before_the_push, pushes, tasks_held, django_capture_on_commit_callbacks
):
    talk = conversation()
    with django_capture_on_commit_callbacks(execute=True):
        message = send(talk, talk.guest, "Hola")  # its push waits in the task outbox
    if before_the_push == "read":
        messages.conversation_read_mark(user=talk.host, conversation_id=talk.pk, message_id=message.pk)
    else:
        messages.message_delete(user=talk.guest, conversation_id=talk.pk, message_id=message.pk)

    tasks_held.release()
    with django_capture_on_commit_callbacks(execute=True):
        assert task_outbox_resend(now=timezone.now() + timedelta(minutes=5)) == 1

    assert pushed(pushes) == []


@pytest.mark.django_db
def test_a_push_task_run_twice_pushes_once(pushes, tasks_held, django_capture_on_commit_callbacks):
    talk = conversation()
    send(talk, talk.guest, "Hola")
    tasks_held.release()

    with django_capture_on_commit_callbacks(execute=True):
        first = push_unread_send(conversation_id=talk.pk, recipient_id=talk.host_id)
        second = push_unread_send(conversation_id=talk.pk, recipient_id=talk.host_id)

    assert (first, second) == (True, False)
    assert len(pushed(pushes)) == 1


@pytest.fixture
def worker_pushes(monkeypatch, tmp_path, settings):
    # Set before the worker starts: it reads them from its environment.
    push_file = tmp_path / "worker-push.jsonl"
    monkeypatch.setenv("NOTIFICATION_PUSH_PROVIDER", FILE_PUSH)
    monkeypatch.setenv("NOTIFICATION_PUSH_FILE", str(push_file))
    settings.CHAT_PUSH_COLLAPSE_SECONDS = 1
    return push_file


def _wait_for(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():
        time.sleep(0.2)


@pytest.mark.postgresql
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_pushes_a_burst_once_after_the_window_and_nothing_once_read(worker_pushes, celery_worker):
    unread, read = conversation(), conversation()

    for text in ("Hola", "¿Hay cochera?", "Gracias"):
        send(unread, unread.guest, text)
    answered = send(read, read.guest, "¿Aceptan mascotas?")
    messages.conversation_read_mark(user=read.host, conversation_id=read.pk, message_id=answered.pk)
    _wait_for(lambda: pushed(worker_pushes))
    time.sleep(3)  # a second push would have come by now

    sent = pushed(worker_pushes)
    assert [(push["user_id"], push["data"]["conversation"]) for push in sent] == [(unread.host_id, unread.pk)]
    assert sent[0]["data"]["count"] == 3
