"""The notification queue and its deliveries, for staff: read-only, with a
retry action for parked notifications and for failed and dead deliveries."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin.read_only import ReadOnlyAdmin
from core.models import Notification, NotificationDelivery
from core.notification_kinds import KINDS
from core.services.notification_queue import notification_delivery_retry_now, notification_queue_retry_dead


class NotificationStateFilter(admin.SimpleListFilter):
    title = _("estado")
    parameter_name = "estado"

    def lookups(self, request, model_admin):
        return [
            ("pending", _("Pendiente")),
            ("processing", _("En proceso")),
            ("done", _("Procesada")),
            ("dead", _("Descartada")),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case "pending":
                return queryset.filter(done_at__isnull=True, dead_at__isnull=True, processing=False)
            case "processing":
                return queryset.filter(processing=True)
            case "done":
                return queryset.filter(done_at__isnull=False)
            case "dead":
                return queryset.filter(dead_at__isnull=False)
        return queryset


class KindFilter(admin.SimpleListFilter):
    """The kinds apps registered (no query over the queue for its distinct kinds)."""

    title = _("tipo")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(name, name) for name in sorted(KINDS)]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(kind=self.value())
        return queryset


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "kind",
        "recipient",
        "priority",
        "available_at",
        "processing",
        "done_at",
        "retry_count",
        "dead_at",
    ]
    list_select_related = ["recipient"]
    list_filter = [KindFilter, NotificationStateFilter]
    search_fields = ["recipient__email", "subject"]
    actions = ["retry"]

    @admin.action(description=_("Reintentar ahora (descartadas)"))
    def retry(self, request, queryset):
        count = notification_queue_retry_dead(notification_ids=list(queryset.values_list("id", flat=True)))
        self.message_user(
            request,
            ngettext(
                "%(count)d notificación devuelta a la cola.", "%(count)d notificaciones devueltas a la cola.", count
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "notification",
        "channel",
        "status",
        "attempt_count",
        "sender_lost_count",
        "next_attempt_at",
        "last_error",
    ]
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
