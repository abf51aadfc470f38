"""Paying, confirming 3-D Secure, webhooks and refunds with the Stripe
provider, over HTTP, against a local server that speaks Stripe's protocol
(bookings.tests.stripe_stub): what the guest sees through the API, and what
reached "Stripe"."""

import time
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
import urllib3
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from bookings.providers import webhook_signature
from bookings.services.payments import refund_send
from bookings.tasks import send_refund_task
from bookings.tests.factories import ListingFactory
from bookings.tests.stripe_stub import StripeStub
from core.tests.factories import CurrencyFactory

pytestmark = pytest.mark.django_db

SECRET_KEY = "sk_test_travelhub"
TIMEOUT_SECONDS = 0.5
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def stripe(settings):
    with StripeStub(stall_seconds=TIMEOUT_SECONDS * 20) as stub:
        settings.PAYMENT_PROVIDER = "stripe"
        settings.STRIPE_API_BASE = stub.url
        settings.STRIPE_SECRET_KEY = SECRET_KEY
        settings.PAYMENT_TIMEOUT_SECONDS = TIMEOUT_SECONDS
        settings.PUBLIC_BASE_URL = "https://travelhub.example"
        # The amounts below are worked out by hand with these.
        settings.BOOKING_SERVICE_FEE_PERCENT = Decimal("10")
        settings.BOOKING_TAX_PERCENT = Decimal("0")
        yield stub


@pytest.fixture
def listing(stripe):
    # Two nights at 123.45 plus 30.00 of cleaning and 24.69 of service fee: 301.59.
    return ListingFactory(nightly_price=Decimal("123.45"), cleaning_fee=Decimal("30.00"))


@pytest.fixture
def host_client(listing) -> APIClient:
    client = APIClient()
    client.force_authenticate(listing.host)
    return client


def book(client: APIClient, listing, *, days_ahead: int = 30) -> dict:
    check_in = timezone.localdate() + timedelta(days=days_ahead)
    response = client.post(
        "/api/bookings/",
        {"listing": listing.pk, "check_in": str(check_in), "check_out": str(check_in + timedelta(days=2)), "guests": 2},
        format="json",
    )
    assert response.status_code == 201, response.data
    return response.data


def pay(client: APIClient, booking: dict, payment_method: str, **headers):
    return client.post(
        f"/api/bookings/{booking['id']}/pay/", {"payment_method": payment_method}, format="json", headers=headers
    )


def confirm(client: APIClient, payment: dict):
    return client.post(f"/api/bookings/{payment['booking']}/payments/{payment['id']}/confirm/")


def booking_status(client: APIClient, booking: dict) -> str:
    return client.get(f"/api/bookings/{booking['id']}/").data["status"]


def deliver_webhook(body: bytes, *, secret: str | None = None):
    signature = webhook_signature(
        body=body, secret=secret or settings.PAYMENT_WEBHOOK_SECRET, timestamp=int(time.time())
    )
    return APIClient().post(
        "/api/payments/webhook/stripe/", body, content_type="application/json", headers={"Stripe-Signature": signature}
    )


def guest_completes_3ds(action_url: str) -> urllib3.BaseHTTPResponse:
    """The guest's browser on Stripe's authentication page."""
    return urllib3.request("GET", action_url, redirect=False)


def paid_booking(client: APIClient, listing, *, days_ahead: int = 30) -> tuple[dict, dict]:
    booking = book(client, listing, days_ahead=days_ahead)
    response = pay(client, booking, "pm_card_visa")
    assert response.status_code == 201, response.data
    return booking, response.data


def stub_post(stub: StripeStub, path: str, fields: dict, **headers) -> urllib3.BaseHTTPResponse:
    """A request to the stub from elsewhere than the provider (Stripe's dashboard, a test)."""
    return urllib3.request(
        "POST", stub.url + path, body=urlencode(fields), headers={"Content-Type": FORM, **headers}, redirect=False
    )


# --- charging -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("currency_code", "minor_units", "nightly_price", "cleaning_fee", "total"),
    [("PEN", 2, "123.45", "30.00", "301.59"), ("JPY", 0, "12345", "3000", "30159")],
    ids=["two-decimals", "zero-decimals"],
)
def test_a_card_that_pays_confirms_the_booking_and_stripe_is_asked_for_minor_units(
    stripe, guest_client, currency_code, minor_units, nightly_price, cleaning_fee, total
):
    # given
    currency = CurrencyFactory(code=currency_code, minor_units=minor_units)
    listing = ListingFactory(
        currency=currency, nightly_price=Decimal(nightly_price), cleaning_fee=Decimal(cleaning_fee)
    )
    booking = book(guest_client, listing)
    assert booking["total"] == total

    # when
    response = pay(guest_client, booking, "pm_card_visa")

    # then
    assert response.status_code == 201, response.data
    assert response.data["status"] == "succeeded"
    assert booking_status(guest_client, booking) == "confirmed"
    [request] = stripe.requests_to("/v1/payment_intents")
    assert request.header("Authorization") == f"Bearer {SECRET_KEY}"
    assert request.header("Content-Type") == FORM
    assert request.header("Idempotency-Key")
    assert request.params["amount"] == "30159"
    assert request.params["currency"] == currency_code.lower()
    assert request.params["payment_method"] == "pm_card_visa"
    assert request.params["confirm"] == "true"
    intent = stripe.intents[response.data["provider_id"]]
    assert (intent["status"], intent["amount_received"]) == ("succeeded", 30159)


def test_a_declined_card_answers_402_with_the_reason_and_the_guest_can_pay_again(stripe, guest_client, listing):
    # given
    booking = book(guest_client, listing)

    # when
    declined = pay(guest_client, booking, "pm_card_chargeDeclined")

    # then
    assert declined.status_code == 402, declined.data
    assert declined.data["status"] == "failed"
    assert declined.data["failure_reason"] == "card_declined: Your card was declined."
    assert booking_status(guest_client, booking) == "pending_payment"

    # when: another card
    paid = pay(guest_client, booking, "pm_card_visa")

    # then: a new charge, not Stripe's stored answer to the first one
    assert paid.status_code == 201, paid.data
    assert booking_status(guest_client, booking) == "confirmed"
    first, second = stripe.requests_to("/v1/payment_intents")
    assert first.header("Idempotency-Key") != second.header("Idempotency-Key")
    assert [intent["status"] for intent in stripe.intents.values()] == ["requires_payment_method", "succeeded"]


def test_a_payment_method_stripe_does_not_know_is_refused_with_its_reason(stripe, guest_client, listing):
    # given
    booking = book(guest_client, listing)

    # when
    response = pay(guest_client, booking, "pm_made_up")

    # then
    assert response.status_code == 402, response.data
    assert response.data["failure_reason"] == "resource_missing: No such PaymentMethod: 'pm_made_up'"
    assert booking_status(guest_client, booking) == "pending_payment"
    assert stripe.intents == {}


def test_a_pay_request_repeated_with_its_idempotency_key_charges_once(stripe, guest_client, listing):
    # given
    booking = book(guest_client, listing)
    first = pay(guest_client, booking, "pm_card_visa", **{"Idempotency-Key": "pay-once"})

    # when
    again = pay(guest_client, booking, "pm_card_visa", **{"Idempotency-Key": "pay-once"})

    # then
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.data == first.data
    assert len(stripe.requests_to("/v1/payment_intents")) == 1


# --- 3-D Secure -----------------------------------------------------------------------------------


def test_3d_secure_answers_202_with_where_to_authenticate_and_confirm_then_confirms_the_booking(
    stripe, guest_client, listing
):
    # given
    booking = book(guest_client, listing)

    # when
    asked = pay(guest_client, booking, "pm_card_threeDSecure2Required")

    # then
    assert asked.status_code == 202, asked.data
    assert asked.data["status"] == "requires_action"
    assert asked.data["action_url"].startswith(f"{stripe.url}/3d_secure_2/hosted?")
    assert booking_status(guest_client, booking) == "pending_payment"

    # when: the guest authenticates, is sent back to us, and the payment is confirmed
    back = guest_completes_3ds(asked.data["action_url"])
    confirmed = confirm(guest_client, asked.data)

    # then
    assert back.status == 302
    assert back.headers["Location"].startswith("https://travelhub.example/payments/return?")
    assert confirmed.status_code == 201, confirmed.data
    assert confirmed.data["status"] == "succeeded"
    assert booking_status(guest_client, booking) == "confirmed"
    intent = stripe.intents[asked.data["provider_id"]]
    assert (intent["status"], intent["amount_received"]) == ("succeeded", 30159)
    [confirm_request] = stripe.requests_to(f"/v1/payment_intents/{intent['id']}/confirm")
    assert confirm_request.header("Idempotency-Key")


def test_a_failed_3d_secure_answers_402_on_confirm_and_the_guest_can_pay_again(stripe, guest_client, listing):
    # given
    booking = book(guest_client, listing)
    asked = pay(guest_client, booking, "pm_card_threeDSecure2Required").data
    stripe.authenticate(asked["provider_id"], succeeded=False)

    # when
    confirmed = confirm(guest_client, asked)

    # then
    assert confirmed.status_code == 402, confirmed.data
    assert confirmed.data["status"] == "failed"
    assert booking_status(guest_client, booking) == "pending_payment"
    assert pay(guest_client, booking, "pm_card_visa").status_code == 201
    assert booking_status(guest_client, booking) == "confirmed"


def test_confirming_before_authenticating_leaves_the_payment_waiting_for_it(stripe, guest_client, listing):
    # given
    booking = book(guest_client, listing)
    asked = pay(guest_client, booking, "pm_card_threeDSecure2Required").data

    # when: the guest comes back without having authenticated
    early = confirm(guest_client, asked)

    # then
    assert early.status_code == 202, early.data
    assert early.data["status"] == "requires_action"
    assert booking_status(guest_client, booking) == "pending_payment"


def test_a_guest_who_confirmed_too_early_can_confirm_again_after_authenticating(stripe, guest_client, listing):
    # given
    booking = book(guest_client, listing)
    asked = pay(guest_client, booking, "pm_card_threeDSecure2Required").data
    assert confirm(guest_client, asked).status_code == 202
    guest_completes_3ds(asked["action_url"])

    # when
    confirmed = confirm(guest_client, asked)

    # then
    assert confirmed.status_code == 201, confirmed.data
    assert booking_status(guest_client, booking) == "confirmed"


# --- Stripe not answering, and its webhooks -------------------------------------------------------


@pytest.mark.parametrize("outage", ["error", "stall"])
def test_a_charge_stripe_does_not_answer_stays_processing_and_is_not_charged_twice(
    stripe, guest_client, listing, outage
):
    # given
    booking = book(guest_client, listing)
    stripe.fail_next(outage, path="/v1/payment_intents", processed=True)

    # when
    started = time.monotonic()
    response = pay(guest_client, booking, "pm_card_visa")

    # then: the guest is told it is under way, and not asked to wait for long
    assert time.monotonic() - started < TIMEOUT_SECONDS * 4
    assert response.status_code == 202, response.data
    assert response.data["status"] == "processing"
    assert booking_status(guest_client, booking) == "pending_payment"
    again = pay(guest_client, booking, "pm_card_visa")
    assert again.status_code == 409
    assert again.data["code"] == "payment_in_progress"
    assert len(stripe.requests_to("/v1/payment_intents")) == 1


@pytest.mark.parametrize("outage", ["error", "stall"])
def test_a_charge_stripe_does_not_answer_is_settled_by_its_webhook(stripe, guest_client, listing, outage):
    # given
    booking = book(guest_client, listing)
    stripe.fail_next(outage, path="/v1/payment_intents", processed=True)
    assert pay(guest_client, booking, "pm_card_visa").status_code == 202
    [intent_id] = stripe.intents

    # when
    response = deliver_webhook(stripe.event_body("payment_intent.succeeded", intent_id))

    # then
    assert response.status_code == 200
    assert response.data == {"result": "applied"}
    assert booking_status(guest_client, booking) == "confirmed"


def confirmed_at_stripe_answer_lost(stripe: StripeStub, client: APIClient, listing, outage: str) -> tuple[dict, dict]:
    """A booking whose guest authenticated and confirmed: Stripe charged,
    its answer to the confirm was lost."""
    booking = book(client, listing)
    asked = pay(client, booking, "pm_card_threeDSecure2Required").data
    guest_completes_3ds(asked["action_url"])
    stripe.fail_next(outage, path=f"/v1/payment_intents/{asked['provider_id']}/confirm", processed=True)
    waiting = confirm(client, asked)
    assert waiting.status_code == 202, waiting.data
    return booking, waiting.data


@pytest.mark.parametrize("outage", ["error", "stall"])
def test_a_confirm_stripe_does_not_answer_is_settled_by_its_webhook(stripe, guest_client, listing, outage):
    # given
    booking, payment = confirmed_at_stripe_answer_lost(stripe, guest_client, listing, outage)
    assert payment["status"] == "requires_action"
    assert booking_status(guest_client, booking) == "pending_payment"

    # when
    event = stripe.event_body("payment_intent.succeeded", payment["provider_id"])
    response = deliver_webhook(event)

    # then
    assert response.status_code == 200
    assert response.data == {"result": "applied"}
    assert booking_status(guest_client, booking) == "confirmed"
    assert deliver_webhook(event).data == {"result": "duplicate"}


def test_a_confirm_repeated_while_stripe_still_works_on_the_first_waits_for_the_webhook(stripe, guest_client, listing):
    # given: the guest authenticated and confirmed; Stripe is slow to answer
    booking = book(guest_client, listing)
    asked = pay(guest_client, booking, "pm_card_threeDSecure2Required").data
    guest_completes_3ds(asked["action_url"])
    stripe.fail_next("stall", path=f"/v1/payment_intents/{asked['provider_id']}/confirm")
    assert confirm(guest_client, asked).status_code == 202

    # when: the guest confirms again while Stripe still works on the first
    again = confirm(guest_client, asked)

    # then: not a decline (Stripe is charging the card), still waiting
    assert again.status_code == 202, again.data
    assert again.data["status"] == "requires_action"

    # when: Stripe finishes the first and sends its webhook
    stripe.release()
    response = deliver_webhook(stripe.event_body("payment_intent.succeeded", asked["provider_id"]))

    # then
    assert response.data == {"result": "applied"}
    assert booking_status(guest_client, booking) == "confirmed"
    assert stripe.intents[asked["provider_id"]]["amount_received"] == 30159


def test_a_payment_failed_webhook_fails_the_payment_and_the_guest_can_pay_again(stripe, guest_client, listing):
    # given: the guest failed 3-D Secure and never came back
    booking = book(guest_client, listing)
    asked = pay(guest_client, booking, "pm_card_threeDSecure2Required").data
    stripe.authenticate(asked["provider_id"], succeeded=False)

    # when
    response = deliver_webhook(stripe.event_body("payment_intent.payment_failed", asked["provider_id"]))

    # then
    assert response.data == {"result": "applied"}
    [payment] = guest_client.get(f"/api/bookings/{booking['id']}/payments/").data
    assert payment["status"] == "failed"
    assert "We are unable to authenticate your payment method" in payment["failure_reason"]
    assert pay(guest_client, booking, "pm_card_visa").status_code == 201


def test_a_webhook_not_signed_with_our_secret_is_refused(stripe, guest_client, listing):
    # given
    booking, payment = confirmed_at_stripe_answer_lost(stripe, guest_client, listing, "error")
    event = stripe.event_body("payment_intent.succeeded", payment["provider_id"])

    # when
    response = deliver_webhook(event, secret="whsec_someone_else")

    # then
    assert response.status_code == 400
    assert response.data["code"] == "invalid_signature"
    assert booking_status(guest_client, booking) == "pending_payment"


# --- refunds --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "days_ahead", "refunded", "minor"),
    [
        # Moderate policy, two days before: half of what was paid without the service fee.
        ("guest", 2, "138.45", "13845"),
        # The host gives all of it back.
        ("host", 2, "301.59", "30159"),
    ],
)
def test_a_cancellation_refunds_its_amount_in_minor_units(
    stripe, guest_client, host_client, listing, django_capture_on_commit_callbacks, who, days_ahead, refunded, minor
):
    # given
    booking, charge = paid_booking(guest_client, listing, days_ahead=days_ahead)
    client = guest_client if who == "guest" else host_client

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/bookings/{booking['id']}/cancel/")

    # then
    assert response.status_code == 200, response.data
    assert response.data["status"] == f"cancelled_by_{who}"
    assert guest_client.get(f"/api/bookings/{booking['id']}/").data["refunded"] == refunded
    [request] = stripe.requests_to("/v1/refunds")
    assert request.params == {"payment_intent": charge["provider_id"], "amount": minor}
    assert request.header("Idempotency-Key")
    assert stripe.refunded(charge["provider_id"]) == int(minor)


@pytest.mark.parametrize(
    ("outage", "processed"),
    [("error", False), ("stall", True)],
    ids=["refused-before-refunding", "refunded-answer-lost"],
)
def test_a_refund_retried_after_stripe_did_not_answer_is_the_same_refund(
    stripe, guest_client, listing, tasks_held, outage, processed
):
    # given: the cancellation's refund waits for a worker
    booking, charge = paid_booking(guest_client, listing, days_ahead=2)
    guest_client.post(f"/api/bookings/{booking['id']}/cancel/")
    [refund] = [p for p in guest_client.get(f"/api/bookings/{booking['id']}/payments/").data if p["kind"] == "refund"]
    stripe.fail_next(outage, path="/v1/refunds", processed=processed)

    # when: the worker runs it, Stripe does not answer, and the task's retry runs
    result = send_refund_task.apply(args=[refund["id"]], throw=False)

    # then
    assert result.get() is True
    [refund] = [p for p in guest_client.get(f"/api/bookings/{booking['id']}/payments/").data if p["kind"] == "refund"]
    assert refund["status"] == "succeeded"
    first, retry = stripe.requests_to("/v1/refunds")
    assert retry.header("Idempotency-Key") == first.header("Idempotency-Key")
    assert retry.params == first.params
    assert len(stripe.refunds) == 1
    assert stripe.refunded(charge["provider_id"]) == 13845
    assert guest_client.get(f"/api/bookings/{booking['id']}/").data["refunded"] == "138.45"


def test_a_refund_sent_again_after_it_was_made_is_not_made_twice(
    stripe, guest_client, listing, django_capture_on_commit_callbacks
):
    # given
    booking, charge = paid_booking(guest_client, listing, days_ahead=2)
    with django_capture_on_commit_callbacks(execute=True):
        guest_client.post(f"/api/bookings/{booking['id']}/cancel/")
    [refund] = [p for p in guest_client.get(f"/api/bookings/{booking['id']}/payments/").data if p["kind"] == "refund"]

    # when
    sent = refund_send(refund_id=refund["id"])

    # then
    assert sent is False
    assert len(stripe.requests_to("/v1/refunds")) == 1
    assert stripe.refunded(charge["provider_id"]) == 13845


def test_a_refund_of_more_than_is_left_is_refused_by_stripe_and_shown_failed(
    stripe, guest_client, host_client, listing, django_capture_on_commit_callbacks
):
    # given: part of the charge was refunded at Stripe directly (its dashboard)
    booking, charge = paid_booking(guest_client, listing)
    dashboard = stub_post(
        stripe,
        "/v1/refunds",
        {"payment_intent": charge["provider_id"], "amount": "1000"},
        Authorization=f"Bearer {SECRET_KEY}",
    )
    assert dashboard.status == 200

    # when: the host cancels, which refunds all of the booking
    with django_capture_on_commit_callbacks(execute=True):
        host_client.post(f"/api/bookings/{booking['id']}/cancel/")

    # then
    [refund] = [p for p in guest_client.get(f"/api/bookings/{booking['id']}/payments/").data if p["kind"] == "refund"]
    assert refund["status"] == "failed"
    assert refund["failure_reason"].startswith("amount_too_large: Refund amount (30159 pen) is greater than")
    assert guest_client.get(f"/api/bookings/{booking['id']}/").data["refunded"] == "0.00"
    assert stripe.refunded(charge["provider_id"]) == 1000


# --- the stub keeps Stripe's rules ----------------------------------------------------------------


def test_the_stub_wants_a_secret_key(stripe):
    response = stub_post(stripe, "/v1/payment_intents", {"amount": "100", "currency": "pen"})

    assert response.status == 401
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert stripe.intents == {}


def test_the_stub_replays_an_idempotency_key_and_refuses_it_for_other_parameters(stripe):
    auth = {"Authorization": f"Bearer {SECRET_KEY}", "Idempotency-Key": "k1"}
    fields = {"amount": "100", "currency": "pen", "payment_method": "pm_card_visa", "confirm": "true"}

    first = stub_post(stripe, "/v1/payment_intents", fields, **auth)
    replay = stub_post(stripe, "/v1/payment_intents", fields, **auth)
    other = stub_post(stripe, "/v1/payment_intents", {**fields, "amount": "200"}, **auth)

    assert (first.status, replay.status, other.status) == (200, 200, 400)
    assert replay.json()["id"] == first.json()["id"]
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert other.json()["error"]["type"] == "idempotency_error"
    assert len(stripe.intents) == 1


def test_the_stub_wants_amounts_in_minor_units(stripe):
    response = stub_post(
        stripe, "/v1/payment_intents", {"amount": "301.59", "currency": "pen"}, Authorization=f"Bearer {SECRET_KEY}"
    )

    assert response.status == 400
    assert response.json()["error"]["param"] == "amount"


def test_the_stub_succeeds_an_automatic_intent_when_the_customer_authenticates(stripe):
    created = stub_post(
        stripe,
        "/v1/payment_intents",
        {"amount": "100", "currency": "pen", "payment_method": "pm_card_threeDSecure2Required", "confirm": "true"},
        Authorization=f"Bearer {SECRET_KEY}",
    ).json()
    assert created["next_action"]["type"] == "use_stripe_sdk"

    stripe.authenticate(created["id"])
    confirmed = stub_post(
        stripe, f"/v1/payment_intents/{created['id']}/confirm", {}, Authorization=f"Bearer {SECRET_KEY}"
    )

    # With Stripe's default (automatic) confirmation there is nothing left to confirm.
    assert stripe.intents[created["id"]]["status"] == "succeeded"
    assert confirmed.status == 400
    assert confirmed.json()["error"]["code"] == "payment_intent_unexpected_state"
