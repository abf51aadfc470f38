"""Payment providers behind one interface (bookings.providers.base), chosen
by PAYMENT_PROVIDER: "fake" for development and tests, "stripe" for
Stripe's PaymentIntents API."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from bookings.providers.base import (
    Charge,
    PaymentProvider,
    ProviderEventData,
    ProviderUnavailable,
    Refund,
    WebhookRefused,
    webhook_signature,
    webhook_signature_check,
)
from bookings.providers.fake import FakeProvider
from bookings.providers.stripe import StripeProvider

PROVIDERS: dict[str, type[PaymentProvider]] = {"fake": FakeProvider, "stripe": StripeProvider}


def payment_provider(name: str | None = None) -> PaymentProvider:
    name = name or settings.PAYMENT_PROVIDER
    try:
        return PROVIDERS[name]()
    except KeyError:
        raise ImproperlyConfigured(f"PAYMENT_PROVIDER must be one of {sorted(PROVIDERS)}, not {name!r}") from None


__all__ = [
    "PROVIDERS",
    "Charge",
    "PaymentProvider",
    "ProviderEventData",
    "ProviderUnavailable",
    "Refund",
    "WebhookRefused",
    "payment_provider",
    "webhook_signature",
    "webhook_signature_check",
]
