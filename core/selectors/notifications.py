from django.db.models import Count

from core.models import NotificationDelivery, NotificationOptOut, NotificationPreference, User


def notification_preferences_of(*, user: User) -> dict:
    return {
        "unsubscribed": NotificationOptOut.objects.filter(user=user).exists(),
        "preferences": list(
            NotificationPreference.objects.filter(user=user)
            .order_by("kind", "channel")
            .values("kind", "channel", "enabled")
        ),
    }


def delivery_count_by_channel() -> dict[str, int]:
    return dict(NotificationDelivery.objects.values_list("channel").annotate(count=Count("id")).order_by("channel"))
