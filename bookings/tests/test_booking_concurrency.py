"""What many requests at once cannot do, on PostgreSQL with each request on
its own connection: book the same nights twice, book overlapping stays,
apply a provider event twice, make two bookings from one Idempotency-Key,
or expire a booking twice. Each guarantee has a control that switches its
guard off in the production code (drops the constraint, or unlocks the
function that locks) and shows the race then breaks it.

Every request first reads what it is about to change `in_lockstep`: all of
them have looked (and found the nights free, the key unused) before any
writes, so the race happens on every run however the threads are scheduled."""

import datetime
import importlib
import random

import pytest
from django.db import connection
from rest_framework.test import APIClient

from bookings.models import Booking, BookingPayment
from bookings.services import bookings as booking_services
from bookings.services.bookings import bookings_expire_unpaid
from bookings.services.payments import booking_pay
from bookings.tests.factories import ListingFactory, book, signed_event, stay_dates
from core.models import Notification
from core.services import idempotency
from core.tests.concurrency import in_lockstep, requests_at_once, run_at_once
from core.tests.factories import UserFactory

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

# PostgreSQL's default max_connections is 100: each request holds one, and
# the test's own connection and a few for the server's own use leave room for 90.
CONCURRENT = 90
NO_OVERLAP_SQL = importlib.import_module("bookings.migrations.0002_amenities_and_postgresql_guards").NO_OVERLAP


@pytest.fixture
def without_the_exclusion_constraint():
    """The control: the database no longer refuses overlapping nights."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE bookings_occupiedrange DROP CONSTRAINT occupied_ranges_never_overlap")
    yield
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM bookings_occupiedrange")
        cursor.execute(NO_OVERLAP_SQL)


@pytest.fixture
def without_a_unique_constraint():
    """The control of a claim by unique row: the constraint dropped (and added back)."""
    dropped = []

    def drop(table: str, name: str, add_back: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        dropped.append((table, add_back))

    yield drop
    with connection.cursor() as cursor:
        for table, add_back in dropped:
            cursor.execute(f"DELETE FROM {table}")
            cursor.execute(add_back)


def nights_look_free_in_lockstep(monkeypatch, parties: int) -> None:
    monkeypatch.setattr(
        booking_services, "_nights_look_free", in_lockstep(booking_services._nights_look_free, parties=parties)
    )


def create_at_once(listing, stays: list[tuple[datetime.date, datetime.date]]) -> list:
    """One guest per stay, each POSTing at the same moment on its own connection."""
    guests = [UserFactory() for _ in stays]

    def request(guest, check_in, check_out):
        def unit():
            client = APIClient(raise_request_exception=False)
            client.force_authenticate(guest)
            body = {"listing": listing.pk, "check_in": str(check_in), "check_out": str(check_out), "guests": 1}
            return client.post("/api/bookings/", body, format="json")

        return unit

    outcomes = run_at_once([request(guest, *stay) for guest, stay in zip(guests, stays, strict=True)])
    assert not outcomes.raised
    return outcomes.results


def overlapping_pairs() -> int:
    """Stored bookings holding their nights that overlap another's, by a self-join."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM bookings_booking a JOIN bookings_booking b
              ON a.listing_id = b.listing_id AND a.id < b.id
             AND a.check_in < b.check_out AND b.check_in < a.check_out
             WHERE a.status IN ('pending_payment', 'confirmed', 'completed')
               AND b.status IN ('pending_payment', 'confirmed', 'completed')
            """
        )
        return cursor.fetchone()[0]


# --- the same nights ------------------------------------------------------------------------------


def test_guests_asking_for_the_same_nights_at_once_get_one_booking(monkeypatch):
    listing = ListingFactory()
    nights_look_free_in_lockstep(monkeypatch, CONCURRENT)

    responses = create_at_once(listing, [stay_dates(10, 3)] * CONCURRENT)

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * (CONCURRENT - 1)
    assert {response.json()["code"] for response in responses if response.status_code == 409} == {"dates_taken"}
    assert Booking.objects.count() == 1


def test_control_without_the_exclusion_constraint_the_same_nights_are_sold_many_times(
    monkeypatch, without_the_exclusion_constraint
):
    listing = ListingFactory()
    nights_look_free_in_lockstep(monkeypatch, CONCURRENT)

    responses = create_at_once(listing, [stay_dates(10, 3)] * CONCURRENT)

    assert sum(response.status_code == 201 for response in responses) > 1
    assert overlapping_pairs() > 0


def random_overlapping_stays(count: int, seed: int) -> list[tuple[datetime.date, datetime.date]]:
    """Stays of 1 to 4 nights within three weeks: most of them overlap some other."""
    rng = random.Random(seed)
    first, _ = stay_dates(5, 1)
    stays = []
    for _ in range(count):
        check_in = first + datetime.timedelta(days=rng.randrange(21))
        stays.append((check_in, check_in + datetime.timedelta(days=rng.randint(1, 4))))
    return stays


def test_overlapping_stays_asked_at_once_never_overlap_once_stored(monkeypatch):
    listing = ListingFactory()
    nights_look_free_in_lockstep(monkeypatch, CONCURRENT)

    responses = create_at_once(listing, random_overlapping_stays(CONCURRENT, seed=13))

    assert {response.status_code for response in responses} <= {201, 409}
    assert Booking.objects.count() == sum(response.status_code == 201 for response in responses) > 1
    assert overlapping_pairs() == 0


def test_control_overlapping_stays_without_the_constraint_overlap(monkeypatch, without_the_exclusion_constraint):
    listing = ListingFactory()
    nights_look_free_in_lockstep(monkeypatch, CONCURRENT)

    create_at_once(listing, random_overlapping_stays(CONCURRENT, seed=13))

    assert overlapping_pairs() > 0


# --- the provider's webhook, replayed ------------------------------------------------------------

REPLAYS = 10


def replay_at_once(body: bytes, signature: str) -> list[dict]:
    def unit():
        return APIClient().post(
            "/api/payments/webhook/fake/",
            body,
            content_type="application/json",
            headers={"Stripe-Signature": signature},
        )

    outcomes = run_at_once([unit] * REPLAYS)
    assert not outcomes.raised
    assert {response.status_code for response in outcomes.results} == {200}
    return sorted(response.json()["result"] for response in outcomes.results)


@pytest.fixture
def charge_in_flight() -> BookingPayment:
    booking = book(ListingFactory())
    return booking_pay(booking_id=booking.pk, token="tok_timeout")  # the provider did not answer


def test_a_webhook_replayed_at_once_is_applied_once(charge_in_flight):
    results = replay_at_once(
        *signed_event(
            "payment_intent.succeeded", "fake_ch_replayed", reference=str(charge_in_flight.pk), event_id="evt_replayed"
        )
    )

    assert results == ["applied"] + ["duplicate"] * (REPLAYS - 1)
    booking = Booking.objects.get(pk=charge_in_flight.booking_id)
    assert booking.status == "confirmed"
    assert Notification.objects.filter(kind="payment_succeeded", data__booking=booking.pk).count() == 2


def test_control_without_the_event_id_constraint_replays_are_processed_again(
    charge_in_flight, without_a_unique_constraint
):
    without_a_unique_constraint(
        "bookings_providerevent",
        "provider_event_once",
        "ALTER TABLE bookings_providerevent ADD CONSTRAINT provider_event_once UNIQUE (provider, event_id)",
    )

    results = replay_at_once(
        *signed_event(
            "payment_intent.succeeded", "fake_ch_replayed", reference=str(charge_in_flight.pk), event_id="evt_replayed"
        )
    )

    assert "duplicate" not in results


# --- one Idempotency-Key, many requests at once -----------------------------------------------------

REPEATS = 10


def create_with_one_key_at_once(monkeypatch) -> list:
    guest, listing = UserFactory(), ListingFactory()
    monkeypatch.setattr(idempotency, "_claimed", in_lockstep(idempotency._claimed, parties=REPEATS))
    check_in, check_out = stay_dates(10, 2)
    body = {"listing": listing.pk, "check_in": str(check_in), "check_out": str(check_out), "guests": 1}
    return requests_at_once(
        guest,
        [lambda client: client.post("/api/bookings/", body, format="json", headers={"Idempotency-Key": "once"})]
        * REPEATS,
    )


def test_repeats_of_a_key_at_once_wait_for_the_first_answer(monkeypatch):
    responses = create_with_one_key_at_once(monkeypatch)

    assert [response.status_code for response in responses] == [201] * REPEATS
    assert len({response.json()["id"] for response in responses}) == 1
    assert sum(response.headers.get("Idempotent-Replayed") == "true" for response in responses) == REPEATS - 1
    assert Booking.objects.count() == 1


def test_control_without_the_key_constraint_each_repeat_runs_again(monkeypatch, without_a_unique_constraint):
    without_a_unique_constraint(
        "core_idempotentrequest",
        "idempotency_key_once_per_user",
        "ALTER TABLE core_idempotentrequest ADD CONSTRAINT idempotency_key_once_per_user UNIQUE (user_id, key)",
    )

    responses = create_with_one_key_at_once(monkeypatch)

    # Each repeat tried to book the nights again: the first got them, the others a 409.
    assert sorted(response.status_code for response in responses) == [201] + [409] * (REPEATS - 1)


# --- two expiry sweeps at once ---------------------------------------------------------------------


def sweep_twice_at_once(monkeypatch) -> list[Booking]:
    bookings = [book(ListingFactory()) for _ in range(20)]
    monkeypatch.setattr(booking_services, "_due_batch", in_lockstep(booking_services._due_batch, parties=2))
    later = max(booking.payment_deadline for booking in bookings) + datetime.timedelta(seconds=1)

    outcomes = run_at_once([lambda: bookings_expire_unpaid(now=later)] * 2)

    assert not outcomes.raised
    return bookings


def test_two_sweeps_at_once_expire_each_booking_once(monkeypatch):
    bookings = sweep_twice_at_once(monkeypatch)

    assert set(Booking.objects.values_list("status", flat=True)) == {"expired"}
    told = Notification.objects.filter(kind="booking_expired").values_list("data__booking", flat=True)
    assert sorted(told) == sorted([booking.pk for booking in bookings] * 2)  # guest and host, once each


def test_control_sweeps_that_do_not_skip_locked_rows_expire_twice(monkeypatch):
    monkeypatch.setattr(booking_services, "_locked_skipping_taken", lambda bookings: bookings)

    bookings = sweep_twice_at_once(monkeypatch)

    assert Notification.objects.filter(kind="booking_expired").count() > 2 * len(bookings)
