"""The notification queue and its deliveries, for staff: read-only, with a
retry action for failed and dead deliveries."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin.read_only import ReadOnlyAdmin
from core.models import Notification, NotificationDelivery
from core.services.notification_queue import notification_delivery_retry_now


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "recipient", "priority", "available_at", "processing", "done_at", "retry_count"]
    list_select_related = ["recipient"]
    list_filter = ["kind", "processing"]
    search_fields = ["recipient__email", "subject"]
    date_hierarchy = "created_at"


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["id", "notification", "channel", "status", "attempt_count", "next_attempt_at", "last_error"]
    list_select_related = ["notification"]
    list_filter = ["status", "channel"]
    actions = ["retry"]

    @admin.action(description=_("Reintentar ahora (fallidas y descartadas)"))
    def retry(self, request, queryset):
        count = notification_delivery_retry_now(delivery_ids=list(queryset.values_list("id", flat=True)))
        self.message_user(
            request,
            ngettext("%(count)d entrega programada.", "%(count)d entregas programadas.", count) % {"count": count},
            messages.SUCCESS,
        )
