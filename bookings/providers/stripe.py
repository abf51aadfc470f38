"""Stripe's PaymentIntents API over HTTP: a charge is a PaymentIntent
created and confirmed with the guest's payment method, 3-D Secure is its
`requires_action` status with a redirect, a refund is a Refund of it.
Requests carry an Idempotency-Key; a timeout, a 5xx or a 409 (a request
with the same key still running) is ProviderUnavailable (the outcome is
unknown until the webhook). Webhooks are checked against the
`Stripe-Signature` scheme."""

import json
from decimal import Decimal

import urllib3
from django.conf import settings

from bookings.providers.base import (
    PAYMENT_REFERENCE,
    Charge,
    ProviderEventData,
    ProviderUnavailable,
    Refund,
    minor_units,
    stripe_style_event,
    webhook_signature_check,
)
from core.models import Currency

_pool = urllib3.PoolManager(retries=False)


class StripeProvider:
    name = "stripe"

    def charge(
        self, *, amount: Decimal, currency: Currency, token: str, reference: str, idempotency_key: str
    ) -> Charge:
        intent = self._post(
            "/v1/payment_intents",
            {
                "amount": minor_units(amount, currency),
                "currency": currency.code.lower(),
                "payment_method": token,
                "confirm": "true",
                # After 3-D Secure the intent waits for our confirm (booking_pay_confirm);
                # with Stripe's default, automatic, it is charged at once and that
                # confirm is refused (payment_intent_unexpected_state), read as a decline.
                "confirmation_method": "manual",
                "return_url": settings.PUBLIC_BASE_URL.rstrip("/") + "/payments/return",
                # Comes back in the intent's webhooks: a charge whose answer was
                # lost (no intent id kept) is still found.
                f"metadata[{PAYMENT_REFERENCE}]": reference,
            },
            idempotency_key,
        )
        return _charge_of(intent)

    def confirm(self, *, charge_id: str, idempotency_key: str) -> Charge:
        return _charge_of(self._post(f"/v1/payment_intents/{charge_id}/confirm", {}, idempotency_key))

    def refund(self, *, charge_id: str, amount: Decimal, currency: Currency, idempotency_key: str) -> Refund:
        refund = self._post(
            "/v1/refunds", {"payment_intent": charge_id, "amount": minor_units(amount, currency)}, idempotency_key
        )
        if "error" in refund:
            return Refund("failed", None, _error_message(refund))
        return Refund("succeeded" if refund.get("status") == "succeeded" else "failed", refund.get("id"))

    def webhook_event(self, *, body: bytes, signature: str, secret: str, now: float | None = None) -> ProviderEventData:
        webhook_signature_check(
            body=body, signature=signature, secret=secret, tolerance=settings.PAYMENT_WEBHOOK_TOLERANCE_SECONDS, now=now
        )
        return stripe_style_event(body)

    def _post(self, path: str, fields: dict, idempotency_key: str) -> dict:
        try:
            response = _pool.request_encode_body(
                "POST",
                settings.STRIPE_API_BASE.rstrip("/") + path,
                fields={name: str(value) for name, value in fields.items()},
                encode_multipart=False,
                headers={"Authorization": f"Bearer {settings.STRIPE_SECRET_KEY}", "Idempotency-Key": idempotency_key},
                timeout=urllib3.Timeout(total=settings.PAYMENT_TIMEOUT_SECONDS),
            )
        except urllib3.exceptions.HTTPError as error:
            raise ProviderUnavailable(f"{type(error).__name__}: {error}") from error
        # 409: Stripe is still working on a request with this Idempotency-Key; its
        # outcome is as unknown as a 5xx's (and is no decline). 401/403 (our key)
        # and 429 (rate limit) are ours to fix or wait out, not the guest's card.
        if response.status in (401, 403, 409, 429) or response.status >= 500:
            raise ProviderUnavailable(f"the provider answered {response.status}")
        try:
            return json.loads(response.data)
        except ValueError as error:
            raise ProviderUnavailable("the provider answered something that is not JSON") from error


def _charge_of(answer: dict) -> Charge:
    if "error" in answer:
        intent = answer["error"].get("payment_intent") or {}
        return Charge("failed", intent.get("id"), _error_message(answer))
    status = answer.get("status")
    if status == "succeeded":
        return Charge("succeeded", answer["id"])
    if status == "requires_action":
        redirect = (answer.get("next_action") or {}).get("redirect_to_url") or {}
        return Charge("requires_action", answer["id"], action_url=redirect.get("url", ""))
    error = answer.get("last_payment_error") or {}
    return Charge("failed", answer.get("id"), str(error.get("message", status))[:300])


def _error_message(answer: dict) -> str:
    error = answer["error"]
    return f"{error.get('code', 'error')}: {error.get('message', '')}"[:300]
