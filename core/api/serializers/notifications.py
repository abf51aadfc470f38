from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.serializers.fields import RegisteredChoiceField
from core.models import Channel
from core.notification_kinds import KINDS


class NotificationPreferenceSerializer(serializers.Serializer):
    kind = RegisteredChoiceField(registry=lambda: KINDS)
    channel = serializers.ChoiceField(choices=Channel.choices)
    enabled = serializers.BooleanField()


class NotificationPreferencesSerializer(serializers.Serializer):
    unsubscribed = serializers.BooleanField()
    preferences = NotificationPreferenceSerializer(many=True)

    def validate_preferences(self, preferences):
        pairs = [(p["kind"], p["channel"]) for p in preferences]
        if len(pairs) != len(set(pairs)):
            raise serializers.ValidationError(_("Cada par tipo/canal puede aparecer una sola vez."))
        return preferences
