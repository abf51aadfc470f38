"""What happens to a booking without anyone clicking: it expires unpaid past
its deadline, completes after check-out, is confirmed (or refunded) by a
payment the provider reports late; the provider's webhooks are signed and
applied once; an Idempotency-Key repeat gets the first answer; and a change
that rolls back tells nobody."""

import datetime
import time
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from bookings.models import Booking, BookingPayment, ProviderEvent
from bookings.providers import webhook_signature
from bookings.services.bookings import booking_cancel, bookings_complete, bookings_expire_unpaid
from bookings.services.payments import booking_pay
from bookings.tasks import complete_stays_task, expire_unpaid_task
from bookings.tests.factories import ListingFactory, book, signed_event, stay_dates
from core.models import IdempotentRequest, Notification, TaskMessage, WebhookEvent
from core.services.idempotency import idempotent_requests_forget
from core.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
WEBHOOK = "/api/payments/webhook/fake/"


@pytest.fixture
def listing():
    return ListingFactory()


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def kinds_sent(booking: Booking) -> list[str]:
    return sorted(Notification.objects.filter(data__booking=booking.pk).values_list("kind", flat=True))


def events_of(booking: Booking) -> list[str]:
    return sorted(WebhookEvent.objects.filter(payload__booking=booking.pk).values_list("event_type", flat=True))


def post_event(body: bytes, signature: str):
    return APIClient().post(WEBHOOK, body, content_type="application/json", headers={"Stripe-Signature": signature})


# --- expiry and completion ---------------------------------------------------------------------


def test_an_unpaid_booking_expires_after_its_deadline_and_frees_its_nights(listing):
    booking = book(listing)
    deadline = booking.payment_deadline

    assert bookings_expire_unpaid(now=deadline - datetime.timedelta(seconds=1)) == 0
    assert bookings_expire_unpaid(now=deadline + datetime.timedelta(seconds=1)) == 1

    booking.refresh_from_db()
    assert booking.status == "expired"
    assert kinds_sent(booking).count("booking_expired") == 2  # guest and host
    assert events_of(booking).count("booking.expired") == 2
    assert bookings_expire_unpaid(now=deadline + DAY) == 0  # once
    assert book(listing).status == "pending_payment"  # the same nights, for someone else


def test_the_expiry_task_sweeps_every_batch(listing, monkeypatch):
    bookings = [book(ListingFactory()) for _ in range(5)]
    Booking.objects.update(payment_deadline=timezone.now() - DAY)

    monkeypatch.setattr("bookings.tasks.bookings_expire_unpaid", lambda: bookings_expire_unpaid(batch_size=2))
    assert expire_unpaid_task.apply().get() == 5

    assert set(Booking.objects.filter(pk__in=[b.pk for b in bookings]).values_list("status", flat=True)) == {"expired"}


def test_a_confirmed_stay_completes_on_its_check_out_day(listing):
    booking = book(listing, days_ahead=1, nights=2)
    booking_pay(booking_id=booking.pk, token="tok_visa")

    assert bookings_complete(today=booking.check_out - DAY) == 0
    assert bookings_complete(today=booking.check_out) == 1

    booking.refresh_from_db()
    assert booking.status == "completed"
    assert kinds_sent(booking).count("booking_completed") == 2
    assert complete_stays_task.apply().get() == 0  # nothing left: today is before its check-out


def test_an_unpaid_stay_never_completes(listing):
    booking = book(listing, days_ahead=1, nights=1)

    assert bookings_complete(today=booking.check_out + DAY) == 0


# --- late payments -----------------------------------------------------------------------------


def expired_with_charge_in_flight(listing) -> tuple[Booking, BookingPayment]:
    """A booking whose provider did not answer the charge, then its deadline passed."""
    booking = book(listing)
    payment = booking_pay(booking_id=booking.pk, token="tok_timeout")
    assert (payment.status, payment.provider_id) == ("processing", None)
    bookings_expire_unpaid(now=booking.payment_deadline + datetime.timedelta(seconds=1))
    return booking, payment


def late_success(payment: BookingPayment) -> tuple[bytes, str]:
    """The provider's word that the charge went through, naming it and our payment."""
    return signed_event("payment_intent.succeeded", f"fake_ch_late_{payment.pk}", reference=str(payment.pk))


def test_a_payment_after_expiry_confirms_the_booking_if_its_nights_are_free(listing):
    booking, payment = expired_with_charge_in_flight(listing)

    response = post_event(*late_success(payment))

    assert response.json() == {"result": "applied"}
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    assert booking.occupied_range is not None


def test_a_payment_after_expiry_is_refunded_if_someone_took_the_nights(listing, django_capture_on_commit_callbacks):
    booking, payment = expired_with_charge_in_flight(listing)
    book(listing)  # the same nights, now someone else's

    with django_capture_on_commit_callbacks(execute=True):
        post_event(*late_success(payment))

    booking.refresh_from_db()
    assert booking.status == "expired"
    refund = booking.payments.get(kind="refund")
    assert (refund.amount, refund.status) == (booking.total, "succeeded")
    assert kinds_sent(booking).count("booking_late_payment_refunded") == 2
    assert booking.refunded == booking.total


def test_a_charge_that_lands_after_the_guest_cancelled_goes_back(listing, django_capture_on_commit_callbacks):
    booking = book(listing)
    payment = booking_pay(booking_id=booking.pk, token="tok_timeout")
    booking_cancel(booking_id=booking.pk, by=booking.guest)

    with django_capture_on_commit_callbacks(execute=True):
        post_event(*signed_event("payment_intent.succeeded", "fake_ch_in_flight", reference=str(payment.pk)))

    booking.refresh_from_db()
    assert booking.status == "cancelled_by_guest"
    assert booking.refunded == booking.total


# --- the provider's webhook --------------------------------------------------------------------


@pytest.fixture
def charge_in_flight(listing) -> BookingPayment:
    booking = book(listing)
    return booking_pay(booking_id=booking.pk, token="tok_timeout")  # the provider did not answer


def test_a_signed_webhook_settles_the_charge_once(charge_in_flight):
    body, signature = signed_event(
        "payment_intent.succeeded", "fake_ch_1", reference=str(charge_in_flight.pk), event_id="evt_1"
    )

    first, repeat = post_event(body, signature), post_event(body, signature)

    assert (first.json(), repeat.json()) == ({"result": "applied"}, {"result": "duplicate"})
    booking = Booking.objects.get(pk=charge_in_flight.booking_id)
    assert booking.status == "confirmed"
    assert kinds_sent(booking).count("payment_succeeded") == 2


def test_a_failed_charge_lets_the_guest_pay_again(charge_in_flight):
    post_event(*signed_event("payment_intent.payment_failed", "fake_ch_1", reference=str(charge_in_flight.pk)))

    charge_in_flight.refresh_from_db()
    assert charge_in_flight.status == "failed"
    again = booking_pay(booking_id=charge_in_flight.booking_id, token="tok_visa")
    assert again.status == "succeeded"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda body, signature: (body.replace(b"succeeded", b"succeeded "), signature),  # another body
        lambda body, signature: (body, signature.replace("v1=", "v1=0")),
        lambda body, signature: (body, ""),
        lambda body, signature: (body, "t=abc,v1=def"),
    ],
    ids=["body-changed", "wrong-signature", "no-signature", "malformed-header"],
)
def test_a_webhook_whose_signature_does_not_hold_is_a_400_and_changes_nothing(charge_in_flight, tamper):
    body, signature = signed_event("payment_intent.succeeded", "fake_ch_1", reference=str(charge_in_flight.pk))

    response = post_event(*tamper(body, signature))

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_signature"
    assert not ProviderEvent.objects.exists()
    charge_in_flight.refresh_from_db()
    assert charge_in_flight.status == "processing"


def test_an_old_webhook_is_refused(charge_in_flight, settings):
    old = int(time.time()) - settings.PAYMENT_WEBHOOK_TOLERANCE_SECONDS - 60

    response = post_event(
        *signed_event("payment_intent.succeeded", "fake_ch_1", reference=str(charge_in_flight.pk), timestamp=old)
    )

    assert response.status_code == 400
    assert not ProviderEvent.objects.exists()


def test_a_signed_webhook_that_is_not_an_event_is_a_400(settings):
    body = b'{"not": "an event"}'
    signature = webhook_signature(body=body, secret=settings.PAYMENT_WEBHOOK_SECRET, timestamp=int(time.time()))

    response = post_event(body, signature)

    assert response.status_code == 400
    assert response.json()["code"] == "malformed_event"


def test_webhooks_of_other_providers_and_other_events(charge_in_flight):
    assert APIClient().post("/api/payments/webhook/culqi/", b"{}", content_type="application/json").status_code == 404
    response = post_event(*signed_event("customer.created", "cus_1"))
    assert response.json() == {"result": "ignored"}


# --- Idempotency-Key ---------------------------------------------------------------------------


def create_body(listing, **changes) -> dict:
    check_in, check_out = stay_dates(10, 2)
    return {"listing": listing.pk, "check_in": str(check_in), "check_out": str(check_out), "guests": 1, **changes}


def test_a_repeated_key_gets_the_first_answer(listing):
    guest = client_of(UserFactory())

    first = guest.post("/api/bookings/", create_body(listing), format="json", headers={"Idempotency-Key": "abc"})
    repeat = guest.post("/api/bookings/", create_body(listing), format="json", headers={"Idempotency-Key": "abc"})

    assert (first.status_code, repeat.status_code) == (201, 201)
    assert repeat.json() == first.json()
    assert repeat.headers["Idempotent-Replayed"] == "true"
    assert Booking.objects.count() == 1


def test_a_key_reused_with_another_body_is_a_422(listing):
    guest = client_of(UserFactory())
    guest.post("/api/bookings/", create_body(listing), format="json", headers={"Idempotency-Key": "abc"})

    other = guest.post(
        "/api/bookings/", create_body(listing, guests=2), format="json", headers={"Idempotency-Key": "abc"}
    )

    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"


def test_keys_are_each_users_own(listing):
    first = client_of(UserFactory()).post(
        "/api/bookings/", create_body(listing), format="json", headers={"Idempotency-Key": "k"}
    )
    second = client_of(UserFactory()).post(
        "/api/bookings/", create_body(listing), format="json", headers={"Idempotency-Key": "k"}
    )

    assert first.status_code == 201
    assert second.status_code == 409  # a booking of its own, refused: the nights are taken


def test_a_refused_request_does_not_keep_its_key(listing):
    guest = client_of(UserFactory())

    refused = guest.post(
        "/api/bookings/", create_body(listing, guests=99), format="json", headers={"Idempotency-Key": "k"}
    )
    fixed = guest.post("/api/bookings/", create_body(listing), format="json", headers={"Idempotency-Key": "k"})

    assert (refused.status_code, fixed.status_code) == (400, 201)


def test_a_declined_payment_is_kept_for_its_key(listing):
    booking = book(listing)
    guest = client_of(booking.guest)
    url = f"/api/bookings/{booking.pk}/pay/"

    first = guest.post(url, {"payment_method": "tok_declined"}, format="json", headers={"Idempotency-Key": "p1"})
    repeat = guest.post(url, {"payment_method": "tok_declined"}, format="json", headers={"Idempotency-Key": "p1"})
    new_try = guest.post(url, {"payment_method": "tok_visa"}, format="json", headers={"Idempotency-Key": "p2"})

    assert (first.status_code, repeat.status_code, new_try.status_code) == (402, 402, 201)
    assert booking.payments.filter(kind="charge").count() == 2


@pytest.mark.parametrize("key", ["", "x" * 201, "tab\there"])
def test_a_bad_key_is_a_400(listing, key):
    response = client_of(UserFactory()).post(
        "/api/bookings/", create_body(listing), format="json", headers={"Idempotency-Key": key}
    )

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]
    assert not Booking.objects.exists()


def test_keys_are_forgotten_after_a_day(listing):
    guest = client_of(UserFactory())
    guest.post("/api/bookings/", create_body(listing), format="json", headers={"Idempotency-Key": "k"})

    assert idempotent_requests_forget(now=timezone.now() + datetime.timedelta(hours=23)) == 0
    assert idempotent_requests_forget(now=timezone.now() + datetime.timedelta(hours=25)) == 1
    assert not IdempotentRequest.objects.exists()


# --- after commit, once ------------------------------------------------------------------------


def test_a_transition_that_rolls_back_tells_nobody(listing, django_capture_on_commit_callbacks):
    booking = book(listing)
    booking_pay(booking_id=booking.pk, token="tok_visa")
    before = (Notification.objects.count(), WebhookEvent.objects.count(), TaskMessage.objects.count())

    def cancel_then_fail():
        with transaction.atomic():
            booking_cancel(booking_id=booking.pk, by=booking.guest)
            raise RuntimeError("the caller's transaction fails after the cancellation")

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError):
        cancel_then_fail()

    assert callbacks == []  # no refund task, no cache refresh, no wake-up
    assert (Notification.objects.count(), WebhookEvent.objects.count(), TaskMessage.objects.count()) == before
    booking.refresh_from_db()
    assert (booking.status, booking.payments.filter(kind="refund").count()) == ("confirmed", 0)


def test_each_transition_tells_guest_and_host_once(listing, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(listing)
        booking_pay(booking_id=booking.pk, token="tok_visa")
        booking_cancel(booking_id=booking.pk, by=booking.host)

    per_kind = {kind: kinds_sent(booking).count(kind) for kind in set(kinds_sent(booking))}
    assert per_kind == {
        "booking_requested": 2,
        "payment_succeeded": 2,
        "booking_confirmed": 2,
        "booking_cancelled": 2,
        "payment_refunded": 2,
    }
    per_event = {event: events_of(booking).count(event) for event in set(events_of(booking))}
    assert per_event == {
        "booking.created": 2,
        "payment.succeeded": 2,
        "booking.confirmed": 2,
        "booking.cancelled": 2,
        "payment.refunded": 2,
    }
    assert Decimal(WebhookEvent.objects.get(event_type="booking.cancelled", owner=booking.guest).payload["refund"]) == (
        booking.total
    )
