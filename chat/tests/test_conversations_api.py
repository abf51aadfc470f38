import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from bookings.tests.factories import ListingFactory, book
from chat.models import Conversation
from chat.tests.factories import conversation, send
from core.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_guest_opens_a_conversation_from_a_listing_once():
    guest, listing = UserFactory(), ListingFactory()

    first = client_of(guest).post("/api/conversations/", {"listing": listing.pk}, format="json")
    again = client_of(guest).post("/api/conversations/", {"listing": listing.pk}, format="json")

    assert first.status_code == 201, first.json()
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert first.json()["other"]["id"] == listing.host_id
    assert Conversation.objects.filter(guest=guest, listing=listing).count() == 1


def test_a_host_cannot_open_a_conversation_with_themself():
    listing = ListingFactory()

    response = client_of(listing.host).post("/api/conversations/", {"listing": listing.pk}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "own_listing"


def test_an_unknown_or_unpublished_listing_is_a_404():
    draft = ListingFactory(status="draft")

    for listing_id in (draft.pk, 999_999):
        response = client_of(UserFactory()).post("/api/conversations/", {"listing": listing_id}, format="json")
        assert response.status_code == 404, response.json()


def test_a_booking_opens_its_conversation_in_its_transaction():
    listing = ListingFactory()
    guest = UserFactory()

    booking = book(listing, guest)

    opened = Conversation.objects.get(guest=guest, host=listing.host, listing=listing)
    assert opened.booking_id == booking.pk
    # A second booking of the same pair finds it and records the newer booking.
    later = book(listing, guest, days_ahead=40)
    opened.refresh_from_db()
    assert Conversation.objects.filter(guest=guest, listing=listing).count() == 1
    assert opened.booking_id == later.pk


def _routes(conversation_id: int, message_id: int) -> list[tuple[str, str, dict]]:
    base = f"/api/conversations/{conversation_id}"
    return [
        ("get", f"{base}/", {}),
        ("post", f"{base}/archive/", {"archived": True}),
        ("post", f"{base}/read/", {"message": message_id}),
        ("post", f"{base}/delivered/", {"message": message_id}),
        ("get", f"{base}/messages/", {}),
        ("post", f"{base}/messages/", {"body": "hola"}),
        ("delete", f"{base}/messages/{message_id}/", {}),
        ("get", f"{base}/messages/{message_id}/attachment/", {}),
    ]


def test_someone_else_gets_a_404_on_every_route():
    talk = conversation()
    message = send(talk, talk.guest)
    stranger = client_of(UserFactory())

    for verb, url, body in _routes(talk.pk, message.pk):
        response = getattr(stranger, verb)(url, body, format="json")
        assert response.status_code == 404, (verb, url, response.status_code)
        assert response.json()["code"] == "not_found"
    message.refresh_from_db()
    talk.refresh_from_db()
    assert message.deleted_at is None
    assert not talk.guest_archived
    assert talk.host_last_read_id == 0


def test_an_unknown_conversation_is_a_404_on_every_route():
    talk = conversation()
    message = send(talk, talk.guest)

    for verb, url, body in _routes(999_999, message.pk):
        response = getattr(client_of(talk.guest), verb)(url, body, format="json")
        assert response.status_code == 404, (verb, url)


def test_staff_read_any_conversation_logged_but_do_not_write_to_it(caplog):
    talk = conversation()
    send(talk, talk.guest, "¿Hay estacionamiento?")
    staff = client_of(UserFactory(role="staff", is_staff=True))

    with caplog.at_level(logging.INFO, logger="travelhub.chat.support"):
        shown = staff.get(f"/api/conversations/{talk.pk}/")
        timeline = staff.get(f"/api/conversations/{talk.pk}/messages/")
    written = staff.post(f"/api/conversations/{talk.pk}/messages/", {"body": "hola"}, format="json")

    assert shown.status_code == 200
    assert shown.json()["other"] is None
    assert [m["body"] for m in timeline.json()["results"]] == ["¿Hay estacionamiento?"]
    assert f"read conversation {talk.pk} for support" in caplog.text
    assert written.status_code == 404


def test_the_inbox_lists_newest_first_with_the_other_person_preview_and_unread():
    guest = UserFactory(first_name="Ana", last_name="Díaz")
    older, newer = conversation(guest), conversation(guest)
    send(older, guest, "primero")
    send(newer, newer.host, "Bienvenida")
    send(newer, newer.host, "¿A qué hora llega?")
    send(older, older.host, "Respuesta")

    as_guest = client_of(guest).get("/api/conversations/").json()["results"]
    as_host = client_of(newer.host).get("/api/conversations/").json()["results"]

    assert [row["id"] for row in as_guest] == [older.pk, newer.pk]
    assert [row["unread_count"] for row in as_guest] == [1, 2]
    assert as_guest[0]["last_message"]["preview"] == "Respuesta"
    assert as_guest[1]["other"]["id"] == newer.host_id
    assert set(as_guest[1]["other"]) == {"id", "name", "avatar_url", "online", "last_seen_at"}
    assert as_host[0]["other"]["name"] == "Ana Díaz"
    assert as_host[0]["unread_count"] == 0


def test_the_inbox_filters_unread_only_and_by_listing():
    guest = UserFactory()
    quiet, busy = conversation(guest), conversation(guest)
    send(busy, busy.host, "hola")

    unread = client_of(guest).get("/api/conversations/?unread_only=true").json()["results"]
    by_listing = client_of(guest).get(f"/api/conversations/?listing={quiet.listing_id}").json()["results"]

    assert [row["id"] for row in unread] == [busy.pk]
    assert [row["id"] for row in by_listing] == [quiet.pk]


def test_each_side_archives_its_copy_and_a_new_message_brings_it_back_for_the_recipient():
    talk = conversation()
    guest, host = client_of(talk.guest), client_of(talk.host)

    archived = guest.post(f"/api/conversations/{talk.pk}/archive/", {"archived": True}, format="json")
    assert archived.json()["archived"] is True
    assert guest.get("/api/conversations/").json()["results"] == []
    assert [row["id"] for row in guest.get("/api/conversations/?archived=true").json()["results"]] == [talk.pk]
    assert [row["id"] for row in host.get("/api/conversations/").json()["results"]] == [talk.pk]

    send(talk, talk.host, "¿Sigue interesado?")

    assert [row["id"] for row in guest.get("/api/conversations/").json()["results"]] == [talk.pk]


def test_the_inbox_pages_with_a_cursor_without_gaps_or_repeats():
    guest = UserFactory()
    talks = [conversation(guest) for _ in range(7)]
    for talk in talks:
        send(talk, talk.host, "hola")
    client = client_of(guest)

    seen, url = [], "/api/conversations/?page_size=3"
    while url:
        page = client.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]

    assert seen == [talk.pk for talk in reversed(talks)]


@pytest.mark.parametrize("query", ["cursor=bm90LWEtY3Vyc29y", "cursor=%25%25", "page_size=0", "archived=maybe"])
def test_a_bad_inbox_query_is_a_400(query):
    response = client_of(UserFactory()).get(f"/api/conversations/?{query}")

    assert response.status_code == 400
    assert "detail" in response.json()


def _inbox_of_50(guest, messages_each: int) -> None:
    for _ in range(50):
        talk = conversation(guest)
        for n in range(messages_each):
            send(talk, talk.host if n % 2 else guest, f"mensaje {n}")


# The guest's own message marks what came before it read: 1 unread of 4.
@pytest.mark.parametrize(("messages_each", "unread"), [(1, 0), (4, 1)])
def test_the_inbox_of_50_conversations_takes_at_most_3_queries_whatever_their_size(messages_each, unread, settings):
    settings.CHAT_MESSAGES_PER_MINUTE = 10_000
    guest = UserFactory()
    _inbox_of_50(guest, messages_each)
    client = client_of(guest)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/conversations/?page_size=50")

    assert response.status_code == 200
    assert len(response.json()["results"]) == 50
    assert all(row["unread_count"] == unread for row in response.json()["results"])
    assert len(queries) <= 3, [q["sql"] for q in queries]


def test_the_unread_badge_is_one_query(settings):
    settings.CHAT_MESSAGES_PER_MINUTE = 10_000
    guest = UserFactory()
    _inbox_of_50(guest, 2)  # each: the guest writes, the host answers (1 unread)
    other = conversation(guest)
    message = send(other, other.host, "otro")
    send(other, other.host, "y otro")
    client = client_of(guest)
    client.post(f"/api/conversations/{other.pk}/read/", {"message": message.pk}, format="json")

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/chat/unread/")

    assert response.json() == {"unread": 50 + 1}
    assert len(queries) == 1


def test_someone_both_guest_and_host_gets_one_inbox_in_order_across_pages():
    person = UserFactory(role="host")
    own_listing = ListingFactory(host=person)
    talks = []
    for n in range(5):
        talk = conversation(person) if n % 2 else conversation(listing=own_listing)
        send(talk, talk.host if talk.guest_id == person.pk else talk.guest, f"m{n}")
        talks.append(talk)
    client = client_of(person)

    seen, url = [], "/api/conversations/?page_size=2"
    while url:
        page = client.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]

    assert seen == [talk.pk for talk in reversed(talks)]
