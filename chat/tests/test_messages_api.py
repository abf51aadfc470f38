import uuid
from datetime import timedelta
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from bookings.tests.factories import book, image_bytes, upload
from chat.models import Message
from chat.tests.factories import conversation, send
from core.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def messages_url(talk) -> str:
    return f"/api/conversations/{talk.pk}/messages/"


def test_a_message_is_sent_trimmed_and_shown_as_sent():
    talk = conversation()

    response = client_of(talk.guest).post(messages_url(talk), {"body": "  ¿Tiene cochera?  \n"}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["body"] == "¿Tiene cochera?"
    assert body["status"] == "sent"
    assert body["deleted"] is False
    assert body["sender"] == talk.guest_id
    talk.refresh_from_db()
    assert talk.last_message_id == body["id"]


@pytest.mark.parametrize(
    ("body", "code"),
    [({"body": ""}, "empty"), ({"body": "   \n "}, "empty"), ({}, "empty"), ({"body": "x" * 5001}, "too_long")],
)
def test_an_empty_or_too_long_message_is_a_400_and_writes_nothing(body, code):
    talk = conversation()

    response = client_of(talk.guest).post(messages_url(talk), body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["errors"]["body"]
    assert not Message.objects.exists()


def test_a_message_is_sent_while_redis_is_unreachable(settings):
    # Nothing listens on port 1: whether the recipient is connected cannot be known.
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    settings.CHAT_REDIS_TIMEOUT_SECONDS = 0.2
    talk = conversation()

    response = client_of(talk.guest).post(messages_url(talk), {"body": "¿Llegó?"}, format="json")

    assert response.status_code == 201, response.json()
    assert Message.objects.get().body == "¿Llegó?"


def test_5000_characters_are_accepted():
    talk = conversation()

    response = client_of(talk.guest).post(messages_url(talk), {"body": "y" * 5000}, format="json")

    assert response.status_code == 201
    assert len(response.json()["body"]) == 5000


@pytest.mark.parametrize(
    "payload", [[1, 2], "texto", {"body": "hola", "sender": 3}, {"body": "hola", "client_id": "x"}]
)
def test_a_malformed_send_is_a_400(payload):
    talk = conversation()

    response = client_of(talk.guest).post(messages_url(talk), payload, format="json")

    assert response.status_code == 400
    assert "detail" in response.json()


def test_a_retried_send_with_the_same_client_id_returns_the_first_message():
    talk = conversation()
    client = client_of(talk.guest)
    client_id = str(uuid.uuid4())

    first = client.post(messages_url(talk), {"body": "hola", "client_id": client_id}, format="json")
    retried = client.post(messages_url(talk), {"body": "hola", "client_id": client_id}, format="json")

    assert (first.status_code, retried.status_code) == (201, 200)
    assert retried.json()["id"] == first.json()["id"]
    assert Message.objects.count() == 1


def test_the_timeline_is_newest_first_and_pages_by_id_both_ways():
    talk = conversation()
    sent = [send(talk, talk.guest if n % 2 else talk.host, f"m{n}") for n in range(7)]
    client = client_of(talk.guest)

    newest = client.get(f"{messages_url(talk)}?page_size=3").json()
    older = client.get(f"{messages_url(talk)}?page_size=3&before={newest['before']}").json()
    newer = client.get(f"{messages_url(talk)}?page_size=3&after={sent[1].pk}").json()

    assert [m["body"] for m in newest["results"]] == ["m6", "m5", "m4"]
    assert [m["body"] for m in older["results"]] == ["m3", "m2", "m1"]
    assert [m["body"] for m in newer["results"]] == ["m4", "m3", "m2"]


@pytest.mark.parametrize("query", ["before=abc", "after=-1", "before=1&after=2", "page_size=101", "before=1e30"])
def test_a_bad_timeline_query_is_a_400(query):
    talk = conversation()

    response = client_of(talk.guest).get(f"{messages_url(talk)}?{query}")

    assert response.status_code == 400


def test_a_timeline_page_of_50_takes_the_same_queries_as_a_page_of_5(settings):
    settings.CHAT_MESSAGES_PER_MINUTE = 10_000
    talk = conversation()
    for n in range(60):
        send(talk, talk.guest if n % 2 else talk.host, f"m{n}")
    client = client_of(talk.guest)

    counts = []
    for size in (5, 50):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{messages_url(talk)}?page_size={size}")
        assert len(response.json()["results"]) == size
        counts.append(len(queries))

    assert counts[0] == counts[1] <= 2


def test_read_receipts_come_from_the_other_sides_cursors():
    talk = conversation()
    first, second = send(talk, talk.guest, "uno"), send(talk, talk.guest, "dos")
    host = client_of(talk.host)

    host.post(f"/api/conversations/{talk.pk}/delivered/", {"message": second.pk}, format="json")
    host.post(f"/api/conversations/{talk.pk}/read/", {"message": first.pk}, format="json")

    statuses = {m["body"]: m["status"] for m in client_of(talk.guest).get(messages_url(talk)).json()["results"]}
    assert statuses == {"uno": "read", "dos": "delivered"}


def test_delivered_is_never_set_by_saving():
    talk = conversation()

    message = send(talk, talk.guest, "hola")

    talk.refresh_from_db()
    assert talk.host_last_delivered_id == 0
    shown = client_of(talk.guest).get(messages_url(talk)).json()["results"][0]
    assert shown["id"] == message.pk
    assert shown["status"] == "sent"


def test_the_read_cursor_only_moves_forward_and_unread_follows_it():
    talk = conversation()
    messages = [send(talk, talk.guest, f"m{n}") for n in range(4)]
    host = client_of(talk.host)
    read_url = f"/api/conversations/{talk.pk}/read/"

    assert host.post(read_url, {"message": messages[2].pk}, format="json").json()["last_read_id"] == messages[2].pk
    assert host.post(read_url, {"message": messages[0].pk}, format="json").json()["last_read_id"] == messages[2].pk
    assert host.get("/api/chat/unread/").json() == {"unread": 1}
    assert host.get("/api/conversations/").json()["results"][0]["unread_count"] == 1


def test_reading_past_the_last_message_is_a_400():
    talk = conversation()
    message = send(talk, talk.guest, "hola")

    response = client_of(talk.host).post(
        f"/api/conversations/{talk.pk}/read/", {"message": message.pk + 1000}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "unknown_message"


def test_the_sender_deletes_within_the_window_and_the_row_stays_shown_as_deleted():
    talk = conversation()
    message = send(talk, talk.guest, "Mi número es otro")
    send(talk, talk.guest, "después")

    response = client_of(talk.guest).delete(f"{messages_url(talk)}{message.pk}/")

    assert response.status_code == 200
    assert response.json()["deleted"] is True
    assert response.json()["body"] == ""
    shown = client_of(talk.host).get(messages_url(talk)).json()["results"]
    assert [(m["id"], m["deleted"], m["body"]) for m in shown][1] == (message.pk, True, "")
    # A deleted message is no longer unread.
    assert client_of(talk.host).get("/api/chat/unread/").json() == {"unread": 1}


def test_only_the_sender_deletes_and_only_within_the_window(settings):
    talk = conversation()
    message = send(talk, talk.guest, "hola")

    by_host = client_of(talk.host).delete(f"{messages_url(talk)}{message.pk}/")
    Message.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - timedelta(minutes=settings.CHAT_DELETE_WINDOW_MINUTES + 1)
    )
    too_late = client_of(talk.guest).delete(f"{messages_url(talk)}{message.pk}/")

    assert by_host.status_code == 404
    assert too_late.status_code == 409
    assert too_late.json()["code"] == "delete_window_passed"
    message.refresh_from_db()
    assert message.body == "hola"
    assert message.deleted_at is None


def test_sending_past_the_rate_limit_is_a_429_with_a_json_body(settings):
    settings.CHAT_MESSAGES_PER_MINUTE = 3
    talk = conversation()
    client = client_of(talk.guest)

    answers = [client.post(messages_url(talk), {"body": f"m{n}"}, format="json") for n in range(4)]

    assert [a.status_code for a in answers] == [201, 201, 201, 429]
    assert answers[-1].json()["code"] == "rate_limited"
    assert int(answers[-1]["Retry-After"]) >= 1
    assert Message.objects.count() == 3
    # Another user's budget is their own.
    assert client_of(talk.host).post(messages_url(talk), {"body": "hola"}, format="json").status_code == 201


@pytest.mark.parametrize(
    "body", ["escríbeme a ana.diaz@example.com", "mi cel 987 654 321", "llama al +51 (1) 234-5678 ya"]
)
def test_contact_details_before_a_booking_are_flagged_and_left_as_written(body):
    talk = conversation()

    response = client_of(talk.guest).post(messages_url(talk), {"body": body}, format="json")

    message = Message.objects.get(pk=response.json()["id"])
    assert message.flagged_for_review is True
    assert message.body == body


def test_contact_details_after_a_booking_or_plain_numbers_are_not_flagged():
    talk = conversation()
    plain = send(talk, talk.guest, "Somos 2 adultos, llegamos el 15 a las 10")
    book(talk.listing, talk.guest)
    after_booking = send(talk, talk.guest, "mi correo: ana@example.com")

    assert not plain.flagged_for_review
    assert not after_booking.flagged_for_review


def test_an_image_is_attached_processed_without_metadata_and_served_to_participants_only(
    django_capture_on_commit_callbacks,
):
    talk = conversation()
    # A photo with its camera's EXIF (GPS would be there too).
    exif = Image.Exif()
    exif[0x010F] = "Cámara del huésped"  # Make
    image = upload(image_bytes(1200, 900, exif=exif.tobytes()), "foto.jpg")

    with django_capture_on_commit_callbacks(execute=True):
        response = client_of(talk.guest).post(messages_url(talk), {"attachment": image}, format="multipart")

    assert response.status_code == 201, response.json()
    assert response.json()["attachment"]["ready"] is False
    attachment = client_of(talk.host).get(messages_url(talk)).json()["results"][0]["attachment"]
    assert attachment["ready"] is True
    assert client_of(UserFactory()).get(attachment["large_url"]).status_code == 404
    served = client_of(talk.host).get(attachment["large_url"])
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    with Image.open(BytesIO(b"".join(served.streaming_content))) as copy:
        assert copy.size == (1200, 900)
        assert "exif" not in copy.info
    # Last: closing a file response ends the request, and the test client's database connection with it.
    served.close()


def test_a_file_that_is_not_an_image_is_a_400():
    talk = conversation()

    response = client_of(talk.guest).post(
        messages_url(talk), {"attachment": upload(b"%PDF-1.4 nada", "doc.pdf")}, format="multipart"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "not_an_image"
    assert not Message.objects.exists()


def test_a_heartbeat_makes_the_user_online_for_the_other_side():
    talk = conversation()

    beat = client_of(talk.host).post("/api/chat/presence/")

    assert beat.status_code == 200
    assert beat.json()["online"] is True
    other = client_of(talk.guest).get("/api/conversations/").json()["results"][0]["other"]
    assert other["online"] is True
    assert other["last_seen_at"] is not None
