from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.serializers.notifications import NotificationPreferencesSerializer
from core.selectors.notifications import notification_preferences_of
from core.services.notifications import notification_preferences_set


class NotificationPreferencesView(APIView):
    """The caller's choices: which channels per kind, and a global unsubscribe."""

    @extend_schema(summary="Mis preferencias de notificación", responses=NotificationPreferencesSerializer)
    def get(self, request):
        return Response(notification_preferences_of(user=request.user))

    @extend_schema(
        summary="Reemplazar mis preferencias de notificación",
        request=NotificationPreferencesSerializer,
        responses=NotificationPreferencesSerializer,
    )
    def put(self, request):
        serializer = NotificationPreferencesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        notification_preferences_set(user=request.user, **serializer.validated_data)
        return Response(notification_preferences_of(user=request.user))
