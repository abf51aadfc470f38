"""What the rentals ask of a payment provider, and the webhook signature
every provider here uses (Stripe's scheme: `t=<unix time>,v1=<hex HMAC-SHA256
of "<t>.<raw body>">`, checked in constant time within a tolerance)."""

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from core.models import Currency

# The metadata key our payment's id travels under to the provider and back.
PAYMENT_REFERENCE = "travelhub_payment"


class ProviderUnavailable(Exception):
    """The provider could not be reached or did not answer in time: the
    outcome of the call is unknown (the provider's webhook will tell)."""


class WebhookRefused(Exception):
    """A webhook whose signature or timestamp does not hold."""


@dataclass(frozen=True)
class Charge:
    # succeeded, requires_action or failed
    status: str
    provider_id: str | None
    failure_reason: str = ""
    action_url: str = ""


@dataclass(frozen=True)
class Refund:
    status: str
    provider_id: str | None
    failure_reason: str = ""


@dataclass(frozen=True)
class ProviderEventData:
    """A webhook event, in our terms: a charge that succeeded or failed."""

    event_id: str
    event_type: str
    # The charge it is about, and its outcome: succeeded or failed (None: nothing for us).
    charge_id: str | None
    outcome: str | None
    failure_reason: str = ""
    # Our payment's id, as the charge carried it (metadata), if it did.
    payment_reference: str = ""


class PaymentProvider(Protocol):
    name: str

    def charge(
        self, *, amount: Decimal, currency: Currency, token: str, reference: str, idempotency_key: str
    ) -> Charge: ...

    def confirm(self, *, charge_id: str, idempotency_key: str) -> Charge: ...

    def refund(self, *, charge_id: str, amount: Decimal, currency: Currency, idempotency_key: str) -> Refund: ...

    def webhook_event(
        self, *, body: bytes, signature: str, secret: str, now: float | None = None
    ) -> ProviderEventData: ...


def minor_units(amount: Decimal, currency: Currency) -> int:
    """The amount in the currency's smallest unit, as providers take it."""
    return int(amount.scaleb(currency.minor_units).to_integral_value())


def webhook_signature(*, body: bytes, secret: str, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def webhook_signature_check(
    *, body: bytes, signature: str, secret: str, tolerance: int, now: float | None = None
) -> None:
    """WebhookRefused unless one v1 signature matches and the timestamp is recent."""
    parts = [part.partition("=") for part in signature.split(",")]
    timestamps = [value for name, _, value in parts if name == "t"]
    candidates = [value for name, _, value in parts if name == "v1"]
    if len(timestamps) != 1 or not timestamps[0].isdigit() or not candidates:
        raise WebhookRefused("malformed signature header")
    timestamp = int(timestamps[0])
    if abs((now or time.time()) - timestamp) > tolerance:
        raise WebhookRefused("timestamp outside the tolerance")
    expected = webhook_signature(body=body, secret=secret, timestamp=timestamp).partition("v1=")[2]
    if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
        raise WebhookRefused("signature does not match")


def stripe_style_event(body: bytes) -> ProviderEventData:
    """A webhook event in Stripe's shape (both providers here send it):
    {"id", "type", "data": {"object": {"id", "status", "last_payment_error", "metadata"}}}."""
    event = json.loads(body)
    charge = event.get("data", {}).get("object", {})
    outcome = {"payment_intent.succeeded": "succeeded", "payment_intent.payment_failed": "failed"}.get(event["type"])
    error = charge.get("last_payment_error") or {}
    return ProviderEventData(
        event_id=str(event["id"]),
        event_type=str(event["type"]),
        charge_id=charge.get("id"),
        outcome=outcome,
        failure_reason=str(error.get("message", ""))[:300],
        payment_reference=str((charge.get("metadata") or {}).get(PAYMENT_REFERENCE, "")),
    )
