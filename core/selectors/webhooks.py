"""Reads of webhook endpoints and deliveries, always through their owner:
another user's endpoint or delivery does not exist for the caller (404)."""

from django.db.models import Prefetch, QuerySet

from core.exceptions import NotFound
from core.models import User, WebhookDelivery, WebhookEndpoint, WebhookSubscription


def webhook_endpoints_of(*, owner: User) -> QuerySet[WebhookEndpoint]:
    return (
        WebhookEndpoint.objects.filter(owner=owner)
        .prefetch_related(Prefetch("subscriptions", queryset=WebhookSubscription.objects.order_by("event_type")))
        .order_by("-created_at", "-id")
    )


def access_webhook_endpoint(*, user: User, endpoint_id: int) -> WebhookEndpoint:
    endpoint = webhook_endpoints_of(owner=user).filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound()
    return endpoint


def webhook_deliveries_of(*, endpoint: WebhookEndpoint, status: str | None = None) -> QuerySet[WebhookDelivery]:
    deliveries = WebhookDelivery.objects.filter(endpoint=endpoint).select_related("event")
    if status:
        deliveries = deliveries.filter(status=status)
    return deliveries.order_by("-created_at", "-id")


def access_webhook_delivery(*, user: User, delivery_id: int) -> WebhookDelivery:
    delivery = (
        WebhookDelivery.objects.filter(pk=delivery_id, endpoint__owner=user).select_related("endpoint", "event").first()
    )
    if delivery is None:
        raise NotFound()
    return delivery
