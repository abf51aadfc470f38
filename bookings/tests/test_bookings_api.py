"""Booking a listing through the API: the checks a booking makes, its price
frozen night by night, the guest's and the host's lists, paying (charged,
declined, 3-D Secure), cancelling with the policy's refund, and a booking
that exists only for its guest, its host and staff."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from bookings.models import Booking, BookingPayment, CancellationPolicy
from bookings.tests.factories import HostFactory, ListingFactory, book, occupy, stay_dates
from core.models import JournalEntry, Notification, WebhookEvent
from core.selectors.accounting import trial_balance
from core.services.accounting import chart_of_accounts_load
from core.tests.factories import CurrencyFactory, UserFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def listing():
    return ListingFactory(nightly_price=Decimal("100.00"), cleaning_fee=Decimal("25.00"), max_guests=3)


@pytest.fixture
def guest():
    return UserFactory()


@pytest.fixture
def guest_client(guest):
    return client_of(guest)


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def create_body(of, days_ahead: int = 10, nights: int = 3, **changes) -> dict:
    check_in, check_out = stay_dates(days_ahead, nights)
    return {"listing": of.pk, "check_in": str(check_in), "check_out": str(check_out), "guests": 2, **changes}


def errors_of(response) -> dict:
    return response.json().get("errors", {})


# --- making a booking -----------------------------------------------------------------------


def test_a_booking_freezes_its_price_night_by_night(guest_client, listing, settings):
    settings.BOOKING_SERVICE_FEE_PERCENT = Decimal("10")
    settings.BOOKING_TAX_PERCENT = Decimal("18")
    check_in, _check_out = stay_dates(10, 3)
    listing.night_prices.create(date=check_in + DAY, price=Decimal("133.33"))

    response = guest_client.post("/api/bookings/", create_body(listing, message="Llegamos tarde"), format="json")

    assert response.status_code == 201, response.content
    booking = response.json()
    assert [night["price"] for night in booking["nights"]] == ["100.00", "133.33", "100.00"]
    assert booking["subtotal"] == "333.33"
    assert booking["cleaning_fee"] == "25.00"
    assert booking["service_fee"] == "33.33"  # 10 % of the nights, rounded to cents
    assert booking["taxes"] == "70.50"  # 18 % of 391.66
    assert booking["total"] == "462.16"
    assert (booking["status"], booking["currency"], booking["message"]) == ("pending_payment", "PEN", "Llegamos tarde")
    deadline = datetime.datetime.fromisoformat(booking["payment_deadline"])
    assert abs(deadline - (timezone.now() + datetime.timedelta(minutes=30))) < datetime.timedelta(seconds=30)
    # Later price changes do not touch it.
    listing.night_prices.update(price=Decimal("999.00"))
    assert guest_client.get(f"/api/bookings/{booking['id']}/").json()["total"] == "462.16"


def test_amounts_follow_the_currencys_decimals(guest_client):
    yen = CurrencyFactory(code="JPY", minor_units=0)
    listing = ListingFactory(currency=yen, nightly_price=Decimal("10001"))

    booking = guest_client.post("/api/bookings/", create_body(listing, nights=1), format="json").json()

    assert (booking["subtotal"], booking["service_fee"], booking["total"]) == ("10001", "1000", "11001")


def test_the_nights_are_taken_until_the_booking_ends(guest_client, listing):
    first = guest_client.post("/api/bookings/", create_body(listing, nights=3), format="json")
    overlapping = client_of(UserFactory()).post("/api/bookings/", create_body(listing, 12, 2), format="json")
    # Check-out day is the next guest's check-in day.
    next_one = client_of(UserFactory()).post("/api/bookings/", create_body(listing, 13, 2), format="json")

    assert first.status_code == 201
    assert overlapping.status_code == 409
    assert overlapping.json()["code"] == "dates_taken"
    assert next_one.status_code == 201


def test_blocked_nights_cannot_be_booked(guest_client, listing):
    check_in, _ = stay_dates(10, 3)
    occupy(listing, check_in + 2 * DAY, check_in + 3 * DAY, kind="block")

    response = guest_client.post("/api/bookings/", create_body(listing, nights=3), format="json")

    assert response.status_code == 409
    assert "disponibles" in response.json()["detail"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"check_out": "2020-01-01"}, "check_out"),  # before check-in
        ({"guests": 0}, "guests"),
        ({"guests": 4}, "guests"),  # over the listing's capacity
        ({"check_in": "2020-01-01", "check_out": "2020-01-03"}, "check_in"),
        ({"listing": 999999}, "listing"),
        ({"check_in": "mañana"}, "check_in"),
        ({"total": "1.00"}, "total"),  # prices are the server's
        ({"service_fee": "0"}, "service_fee"),
        ({"message": "x" * 2001}, "message"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(guest_client, listing, changes, field):
    response = guest_client.post("/api/bookings/", create_body(listing, **changes), format="json")

    assert response.status_code == 400, response.content
    assert field in errors_of(response)
    assert not Booking.objects.exists()


def test_stays_follow_the_listings_minimum_and_maximum(guest_client, listing):
    listing.min_nights, listing.max_nights = 2, 5
    listing.save()

    too_short = guest_client.post("/api/bookings/", create_body(listing, nights=1), format="json")
    too_long = guest_client.post("/api/bookings/", create_body(listing, nights=6), format="json")
    over_a_year = guest_client.post("/api/bookings/", create_body(listing, nights=366), format="json")

    assert [too_short.status_code, too_long.status_code, over_a_year.status_code] == [400, 400, 400]
    assert "check_out" in errors_of(too_short)
    assert "check_out" in errors_of(over_a_year)


def test_malformed_json_is_a_400(guest_client):
    response = guest_client.post("/api/bookings/", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_nobody_books_an_unpublished_listing_or_their_own(guest_client, listing):
    draft = ListingFactory(status="draft")
    own = client_of(listing.host).post("/api/bookings/", create_body(listing), format="json")

    assert "listing" in errors_of(guest_client.post("/api/bookings/", create_body(draft), format="json"))
    assert own.status_code == 409
    assert own.json()["code"] == "own_listing"


def test_making_a_booking_tells_guest_and_host(guest_client, guest, listing):
    booking_id = guest_client.post("/api/bookings/", create_body(listing), format="json").json()["id"]

    notified = set(Notification.objects.filter(kind="booking_requested").values_list("recipient_id", flat=True))
    events = WebhookEvent.objects.filter(event_type="booking.created")
    assert notified == {guest.pk, listing.host_id}
    assert {event.owner_id for event in events} == {guest.pk, listing.host_id}
    assert {event.payload["booking"] for event in events} == {booking_id}


def test_the_calendar_shows_the_booked_nights_at_once(guest_client, listing, django_capture_on_commit_callbacks):
    check_in, _ = stay_dates(10, 3)
    url = f"/api/listings/{listing.pk}/availability/?from={check_in}&to={check_in + 3 * DAY}"
    assert {night["status"] for night in APIClient().get(url).json()["nights"]} == {"available"}  # now cached

    with django_capture_on_commit_callbacks(execute=True):
        guest_client.post("/api/bookings/", create_body(listing), format="json")

    assert {night["status"] for night in APIClient().get(url).json()["nights"]} == {"booked"}


# --- lists and detail ---------------------------------------------------------------------------


def test_trips_and_reservations_newest_first_in_three_queries(listing, django_assert_max_num_queries):
    guest = UserFactory()
    for days_ahead in range(2, 2 + 50 * 2, 2):
        book(ListingFactory(), guest, days_ahead=days_ahead, nights=1)
    someone_elses = book(listing, days_ahead=3)

    with django_assert_max_num_queries(3):
        trips = client_of(guest).get("/api/bookings/", {"page_size": 50}).json()
    with django_assert_max_num_queries(3):
        reservations = client_of(listing.host).get("/api/bookings/", {"role": "host"}).json()

    assert trips["count"] == 50
    assert len(trips["results"]) == 50
    created = [trip["created_at"] for trip in trips["results"]]
    assert created == sorted(created, reverse=True)
    assert [row["id"] for row in reservations["results"]] == [someone_elses.pk]


def test_lists_filter_by_status_listing_and_dates(guest, guest_client):
    beach, city = ListingFactory(), ListingFactory()
    early = book(beach, guest, days_ahead=5, nights=2)
    late = book(city, guest, days_ahead=40, nights=2)
    cancelled = book(city, guest, days_ahead=20, nights=2)
    Booking.objects.filter(pk=cancelled.pk).update(status="cancelled_by_guest")

    def ids(**query):
        response = guest_client.get("/api/bookings/", query)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids(status="pending_payment") == {early.pk, late.pk}
    assert ids(status="pending_payment,cancelled_by_guest") == {early.pk, late.pk, cancelled.pk}
    assert ids(listing=city.pk) == {late.pk, cancelled.pk}
    # Stays with a night in [from, to): the early stay's last night is day 6.
    today = timezone.localdate()
    assert ids(**{"from": str(today + 6 * DAY), "to": str(today + 21 * DAY)}) == {early.pk, cancelled.pk}
    assert guest_client.get("/api/bookings/", {"status": "lost"}).status_code == 400
    assert guest_client.get("/api/bookings/", {"role": "owner"}).status_code == 400


def test_guest_host_and_staff_see_a_booking(listing, staff_client):
    booking = book(listing)

    for client in (client_of(booking.guest), client_of(listing.host), staff_client):
        assert client.get(f"/api/bookings/{booking.pk}/").json()["id"] == booking.pk


BOOKING_ROUTES = [
    ("get", "/api/bookings/{id}/"),
    ("get", "/api/bookings/{id}/cancellation-quote/"),
    ("post", "/api/bookings/{id}/cancel/"),
    ("post", "/api/bookings/{id}/pay/"),
    ("get", "/api/bookings/{id}/payments/"),
    ("post", "/api/bookings/{id}/payments/{payment}/confirm/"),
]


@pytest.mark.parametrize(("method", "route"), BOOKING_ROUTES)
def test_another_users_booking_is_a_404_on_every_route(listing, method, route):
    booking = book(listing)
    payment = BookingPayment.objects.create(
        booking=booking, kind="charge", amount=booking.total, currency=booking.currency, provider="fake"
    )
    stranger = client_of(UserFactory())

    response = getattr(stranger, method)(route.format(id=booking.pk, payment=payment.pk), {}, format="json")

    assert response.status_code == 404
    booking.refresh_from_db()
    assert booking.status == "pending_payment"
    assert booking.payments.count() == 1


def test_only_the_guest_pays(listing):
    booking = book(listing)

    response = client_of(listing.host).post(f"/api/bookings/{booking.pk}/pay/", {"payment_method": "tok_visa"})

    assert response.status_code == 403
    assert not booking.payments.exists()


# --- paying -------------------------------------------------------------------------------------


def pay(client, booking, token="tok_visa", **headers):
    return client.post(f"/api/bookings/{booking.pk}/pay/", {"payment_method": token}, format="json", headers=headers)


def test_a_paid_booking_is_confirmed_and_reaches_the_books(listing, settings):
    settings.MARKETPLACE_FEE_TAX_PERCENT = Decimal("18")
    booking = book(listing, nights=2)  # 200 + 25 cleaning + 20 fee = 245
    guest = client_of(booking.guest)

    response = pay(guest, booking)

    assert response.status_code == 201, response.content
    assert (response.json()["status"], response.json()["amount"]) == ("succeeded", "245.00")
    assert guest.get(f"/api/bookings/{booking.pk}/").json()["status"] == "confirmed"
    assert Notification.objects.filter(kind="booking_confirmed").count() == 2
    assert WebhookEvent.objects.filter(event_type="payment.succeeded").count() == 2
    entry = JournalEntry.objects.get(source="marketplace_charge")
    lines = {line.account.code: (line.debit, line.credit) for line in entry.lines.select_related("account")}
    assert lines == {
        "1041": (Decimal("245.00"), 0),  # the bank
        "4699": (0, Decimal("225.00")),  # held for the host
        "7049": (0, Decimal("16.95")),  # the fee without its tax: 20 / 1.18
        "40111": (0, Decimal("3.05")),
    }


def test_a_payment_takes_a_bounded_number_of_statements(listing, django_assert_max_num_queries):
    # The slowest route of `python -m bench mixed` is mostly waiting on
    # these statements (BENCHMARKS.md "mixed"): the charge, the booking's
    # lock, the books, two notifications and two events, the confirmation.
    chart_of_accounts_load()
    booking = book(listing, nights=2)

    with django_assert_max_num_queries(21):
        response = pay(client_of(booking.guest), booking)

    assert response.status_code == 201, response.content
    assert response.json()["status"] == "succeeded"


def test_a_bookings_payments_are_listed_in_queries_that_do_not_grow_with_them(listing, django_assert_max_num_queries):
    booking = book(listing)
    BookingPayment.objects.bulk_create(
        BookingPayment(
            booking=booking,
            kind=BookingPayment.Kind.CHARGE,
            amount=booking.total,
            currency=booking.currency,
            provider="fake",
            status=BookingPayment.Status.FAILED,
        )
        for _ in range(50)
    )

    with django_assert_max_num_queries(3):
        rows = client_of(booking.guest).get(f"/api/bookings/{booking.pk}/payments/").json()

    assert len(rows) == 50
    assert {row["currency"] for row in rows} == {booking.currency.code}


def test_a_declined_card_leaves_the_booking_waiting_for_another(listing):
    booking = book(listing)
    guest = client_of(booking.guest)

    declined = pay(guest, booking, "tok_declined")
    paid = pay(guest, booking, "tok_visa")

    assert declined.status_code == 402
    assert "rechazada" in declined.json()["failure_reason"]
    assert paid.status_code == 201
    assert [row["status"] for row in guest.get(f"/api/bookings/{booking.pk}/payments/").json()] == [
        "succeeded",
        "failed",
    ]


def test_3d_secure_asks_for_the_guest_then_confirms(listing):
    booking = book(listing)
    guest = client_of(booking.guest)

    waiting = pay(guest, booking, "tok_3ds")
    assert waiting.status_code == 202
    assert waiting.json()["action_url"].startswith("https://")
    assert pay(guest, booking).json()["code"] == "payment_in_progress"  # no second charge meanwhile

    confirmed = guest.post(f"/api/bookings/{booking.pk}/payments/{waiting.json()['id']}/confirm/")

    assert confirmed.status_code == 201
    assert guest.get(f"/api/bookings/{booking.pk}/").json()["status"] == "confirmed"


def test_a_booking_is_paid_once(listing):
    booking = book(listing)
    guest = client_of(booking.guest)
    pay(guest, booking)

    again = pay(guest, booking)

    assert again.status_code == 409
    assert booking.payments.filter(kind="charge").count() == 1


def test_no_payment_after_the_deadline(listing):
    booking = book(listing)
    Booking.objects.filter(pk=booking.pk).update(payment_deadline=timezone.now() - DAY)

    response = pay(client_of(booking.guest), booking)

    assert response.status_code == 409
    assert response.json()["code"] == "payment_window_closed"


def test_a_payment_needs_a_method(listing):
    booking = book(listing)

    response = client_of(booking.guest).post(f"/api/bookings/{booking.pk}/pay/", {"amount": "1"}, format="json")

    assert response.status_code == 400
    assert set(errors_of(response)) == {"amount"}


# --- cancelling ---------------------------------------------------------------------------------


def paid_booking(listing, *, days_ahead=10, nights=2, policy=CancellationPolicy.MODERATE):
    listing.cancellation_policy = policy
    listing.save()
    booking = book(listing, days_ahead=days_ahead, nights=nights)
    assert pay(client_of(booking.guest), booking).status_code == 201
    return booking


@pytest.mark.parametrize(
    ("policy", "days_ahead", "refund"),
    [
        (CancellationPolicy.FLEXIBLE, 1, "225.00"),  # all but the service fee
        (CancellationPolicy.MODERATE, 3, "112.50"),  # half
        (CancellationPolicy.STRICT, 3, "0.00"),
    ],
)
def test_the_guest_sees_the_refund_before_cancelling_and_gets_it(
    listing, policy, days_ahead, refund, django_capture_on_commit_callbacks
):
    booking = paid_booking(listing, days_ahead=days_ahead, policy=policy)
    guest = client_of(booking.guest)

    quote = guest.get(f"/api/bookings/{booking.pk}/cancellation-quote/").json()
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = guest.post(f"/api/bookings/{booking.pk}/cancel/")

    assert (quote["cancelled_by"], quote["paid"], quote["refund"]) == ("guest", "245.00", refund)
    assert cancelled.json()["status"] == "cancelled_by_guest"
    assert guest.get(f"/api/bookings/{booking.pk}/").json()["refunded"] == refund
    refunds = booking.payments.filter(kind="refund")
    assert [(row.amount, row.status) for row in refunds] == (
        [(Decimal(refund), "succeeded")] if refund != "0.00" else []
    )


def test_a_host_who_cancels_refunds_everything(listing, django_capture_on_commit_callbacks):
    booking = paid_booking(listing, days_ahead=2, policy=CancellationPolicy.STRICT)
    host = client_of(listing.host)

    assert host.get(f"/api/bookings/{booking.pk}/cancellation-quote/").json()["refund"] == "245.00"
    with django_capture_on_commit_callbacks(execute=True):
        assert host.post(f"/api/bookings/{booking.pk}/cancel/").json()["status"] == "cancelled_by_host"

    booking.refresh_from_db()
    assert booking.refunded == Decimal("245.00")
    assert set(Notification.objects.filter(kind="payment_refunded").values_list("recipient_id", flat=True)) == {
        booking.guest_id,
        booking.host_id,
    }


def test_a_refund_reverses_its_part_in_the_books_and_they_balance(listing, django_capture_on_commit_callbacks):
    booking = paid_booking(listing, days_ahead=3, policy=CancellationPolicy.MODERATE)
    with django_capture_on_commit_callbacks(execute=True):
        client_of(booking.guest).post(f"/api/bookings/{booking.pk}/cancel/")

    entry = JournalEntry.objects.get(source="marketplace_refund")
    lines = {line.account.code: (line.debit, line.credit) for line in entry.lines.select_related("account")}
    assert lines == {"4699": (Decimal("112.50"), 0), "1041": (0, Decimal("112.50"))}
    today = timezone.localdate()
    balances = {row["account"]: row["balance"] for row in trial_balance(date_from=today, date_to=today)}
    assert balances["4699"] == "-112.50"  # what is still held for the host
    assert sum(Decimal(balance) for balance in balances.values()) == 0


def test_cancelling_frees_the_nights_and_cannot_happen_twice(listing):
    booking = book(listing)
    guest = client_of(booking.guest)

    assert guest.post(f"/api/bookings/{booking.pk}/cancel/").status_code == 200
    again = guest.post(f"/api/bookings/{booking.pk}/cancel/")
    rebooked = client_of(UserFactory()).post("/api/bookings/", create_body(listing), format="json")

    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"
    assert rebooked.status_code == 201
    assert not booking.payments.exists()  # nothing was paid, nothing to refund


def test_a_host_can_hold_several_listings_bookings_apart(listing):
    other_host_listing = ListingFactory(host=HostFactory())
    booking = book(other_host_listing)

    response = client_of(listing.host).post(f"/api/bookings/{booking.pk}/cancel/")

    assert response.status_code == 404
