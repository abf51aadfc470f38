"""Serializers of the webhook endpoints API (input validated here, rules in
core.services.webhooks)."""

from rest_framework import serializers

from core.api.serializers.fields import RegisteredChoiceField
from core.models import WebhookDelivery, WebhookEndpoint
from core.webhook_event_types import EVENT_TYPES


class WebhookEndpointInputSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    active = serializers.BooleanField(required=False)
    event_types = serializers.ListField(
        child=RegisteredChoiceField(registry=lambda: EVENT_TYPES), allow_empty=False, max_length=100
    )


class WebhookEndpointSerializer(serializers.ModelSerializer):
    event_types = serializers.SerializerMethodField()

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "description", "active", "disabled_reason", "event_types", "created_at"]

    def get_event_types(self, endpoint: WebhookEndpoint) -> list[str]:
        return [subscription.event_type for subscription in endpoint.subscriptions.all()]


class WebhookEndpointWithSecretSerializer(WebhookEndpointSerializer):
    """Shown on creation and rotation only: the secret to verify signatures with."""

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    event_type = serializers.CharField(source="event.event_type", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "message_id",
            "event_type",
            "status",
            "attempt_count",
            "next_attempt_at",
            "response_status",
            "response_body",
            "last_error",
            "sent_at",
            "created_at",
        ]


class WebhookReplaySerializer(serializers.Serializer):
    since = serializers.DateTimeField()


class WebhookReplayResultSerializer(serializers.Serializer):
    replayed = serializers.IntegerField(help_text="Entregas fallidas puestas de nuevo en cola.")


class EventTypeSerializer(serializers.Serializer):
    event_type = serializers.CharField()
    description = serializers.CharField()
