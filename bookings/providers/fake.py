"""A payment provider without a network, for development and tests.

Tokens: `tok_visa` is charged; `tok_declined` is declined; `tok_3ds` asks
for 3-D Secure, after which confirming succeeds; `tok_timeout` never answers
(ProviderUnavailable: the outcome is unknown until its webhook). Ids derive
from the idempotency key, so a repeated call names the same charge, as a
real provider's would. Its webhooks are signed like Stripe's, with
PAYMENT_WEBHOOK_SECRET."""

import uuid
from decimal import Decimal

from django.conf import settings

from bookings.providers.base import (
    Charge,
    ProviderEventData,
    ProviderUnavailable,
    Refund,
    stripe_style_event,
    webhook_signature_check,
)
from core.models import Currency

DECLINED = "card_declined: La tarjeta fue rechazada."


def _id(prefix: str, idempotency_key: str) -> str:
    return f"{prefix}_{uuid.uuid5(uuid.NAMESPACE_URL, idempotency_key).hex}"


class FakeProvider:
    name = "fake"

    def charge(
        self, *, amount: Decimal, currency: Currency, token: str, reference: str, idempotency_key: str
    ) -> Charge:
        charge_id = _id("fake_ch", idempotency_key)
        if token == "tok_visa":
            return Charge("succeeded", charge_id)
        if token == "tok_3ds":
            return Charge("requires_action", charge_id, action_url=f"https://3ds.fake-payments.invalid/{charge_id}")
        if token == "tok_timeout":
            raise ProviderUnavailable("the fake provider was told to time out")
        if token == "tok_declined":
            return Charge("failed", charge_id, DECLINED)
        return Charge("failed", None, "invalid_token: El medio de pago no es válido.")

    def confirm(self, *, charge_id: str, idempotency_key: str) -> Charge:
        return Charge("succeeded", charge_id)

    def refund(self, *, charge_id: str, amount: Decimal, currency: Currency, idempotency_key: str) -> Refund:
        return Refund("succeeded", _id("fake_re", idempotency_key))

    def webhook_event(self, *, body: bytes, signature: str, secret: str, now: float | None = None) -> ProviderEventData:
        webhook_signature_check(
            body=body, signature=signature, secret=secret, tolerance=settings.PAYMENT_WEBHOOK_TOLERANCE_SECONDS, now=now
        )
        return stripe_style_event(body)
