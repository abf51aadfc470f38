"""Webhook endpoints, events and deliveries, for staff: deliveries read-only
with a replay action."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from unfold.admin import TabularInline

from core.admin.read_only import BackOfficeAdmin, ReadOnlyAdmin
from core.exceptions import Conflict
from core.models import WebhookDelivery, WebhookEndpoint, WebhookEvent, WebhookSubscription
from core.services.webhooks import webhook_delivery_replay


class WebhookSubscriptionInline(TabularInline):
    model = WebhookSubscription
    extra = 0


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(BackOfficeAdmin):
    list_display = ["url", "owner", "active", "disabled_reason", "failing_since", "created_at"]
    list_select_related = ["owner"]
    list_filter = ["active"]
    search_fields = ["url", "owner__email"]
    exclude = ["secret", "previous_secret"]
    readonly_fields = ["owner", "failing_since", "previous_secret_expires_at"]
    inlines = [WebhookSubscriptionInline]


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "event_type", "owner", "processed", "created_at"]
    list_select_related = ["owner"]
    list_filter = ["event_type", "processed"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "message_id",
        "endpoint",
        "status",
        "attempt_count",
        "sender_lost_count",
        "response_status",
        "next_attempt_at",
        "last_error",
    ]
    list_select_related = ["endpoint"]
    list_filter = ["status"]
    search_fields = ["message_id", "endpoint__url"]
    actions = ["replay"]

    @admin.action(description=_("Reenviar ahora"))
    def replay(self, request, queryset):
        replayed = 0
        for delivery in queryset.select_related("endpoint"):
            try:
                webhook_delivery_replay(delivery=delivery)
            except Conflict as refused:
                self.message_user(request, f"{delivery.message_id}: {refused.message}", messages.WARNING)
            else:
                replayed += 1
        self.message_user(
            request,
            ngettext("%(count)d entrega reenviada.", "%(count)d entregas reenviadas.", replayed) % {"count": replayed},
            messages.SUCCESS,
        )
