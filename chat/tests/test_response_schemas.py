"""Every list and detail body of the chat API is what its OpenAPI schema
says (core.tests.schema_conformance walks the schema's GET operations of
this app's views, so a new one is checked without editing this file)."""

import pytest

from bookings.tests.factories import book, image_bytes, upload
from chat.services.messages import conversation_archive_set, conversation_read_mark, message_delete
from chat.services.presence import presence_touch
from chat.tests.factories import conversation, send
from core.tests.schema_conformance import Conformance

pytestmark = pytest.mark.django_db

CHAT = Conformance(
    app="chat",
    row_keys={"conversation_pk": "id"},
    excluded={
        "conversations_messages_attachment_retrieve": "an image (image/jpeg), not JSON",
    },
)


@pytest.fixture
def chat(staff_user, django_capture_on_commit_callbacks):
    """The guest's conversations with the values that may be null both null
    and set: one with a host never seen, one about a booking with read,
    deleted and image messages and the host seen, one archived. The guest is
    a staff user: with DEBUG off only staff read the schema (API_DOCS)."""
    guest = staff_user
    send(conversation(guest), guest, "hola")
    booked = conversation(guest)
    book(booked.listing, guest)
    presence_touch(user=booked.host)
    with django_capture_on_commit_callbacks(execute=True):
        send(booked, guest, "", attachment=upload(image_bytes(800, 600)))
    first = send(booked, guest, "¿Hay cochera?")
    send(booked, booked.host, "Sí, a media cuadra.")
    gone = send(booked, guest, "borrar")
    message_delete(user=guest, conversation_id=booked.pk, message_id=gone.pk)
    conversation_read_mark(user=booked.host, conversation_id=booked.pk, message_id=first.pk)
    archived = conversation(guest)
    send(archived, archived.host, "hola")
    conversation_archive_set(user=guest, conversation_id=archived.pk, archived=True)
    return booked


def test_every_list_and_detail_body_matches_its_schema(chat, staff_client, subtests):
    CHAT.check(staff_client, subtests)


def test_exclusions_name_operations_that_exist(staff_client):
    assert CHAT.exclusions_exist(staff_client)
