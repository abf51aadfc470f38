from core.models import NotificationOptOut, NotificationPreference, User


def notification_preferences_of(*, user: User) -> dict:
    return {
        "unsubscribed": NotificationOptOut.objects.filter(user=user).exists(),
        "preferences": list(
            NotificationPreference.objects.filter(user=user)
            .order_by("kind", "channel")
            .values("kind", "channel", "enabled")
        ),
    }
