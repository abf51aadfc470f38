"""The admin's index: what the agency sold today and what needs someone —
imports that failed or wait for review, notifications and webhook
deliveries given up on, invoices whose PDF was not made. A fixed handful
of aggregate queries, whatever the size of the tables."""

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import admin
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin.money import money_display
from core.models import ImportedTicket, Invoice, Notification, NotificationDelivery, Sale, WebhookDelivery

admin.site.index_template = "admin/dashboard.html"
admin.site.index_title = gettext_lazy("Panel de la agencia")

# Imports someone has to look at: failed ones, and those the importer
# flagged for review where that status exists.
ATTENTION_STATUSES = [
    status for status in (ImportedTicket.Status.ERROR, getattr(ImportedTicket.Status, "NEEDS_REVIEW", None)) if status
]


ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Tile:
    label: str
    count: int
    url: str


def dashboard_callback(request, context: dict) -> dict:
    start_of_today = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time.min))
    sold_today = (
        Sale.objects.filter(created_at__gte=start_of_today)
        .exclude(status=Sale.Status.CANCELLED)
        .values("currency__code", "currency__minor_units")
        .annotate(count=Count("id"), amount=Sum("total"))
        .order_by("currency__code")
    )
    context["sales_today"] = [
        {
            "currency": row["currency__code"],
            "count": row["count"],
            "amount": money_display(row["amount"], row["currency__code"], row["currency__minor_units"]),
        }
        for row in sold_today
    ]
    # The list's own "today" (its date filter's parameters, with the time zone).
    today = urlencode({"created_at__gte": str(start_of_today), "created_at__lt": str(start_of_today + ONE_DAY)})
    context["sales_today_url"] = f"{reverse('admin:core_sale_changelist')}?{today}"
    context["attention"] = _attention_tiles()
    return context


def _attention_tiles() -> list[Tile]:
    imports = dict(
        ImportedTicket.objects.filter(status__in=ATTENTION_STATUSES)
        .values("status")
        .annotate(count=Count("id"))
        .values_list("status", "count")
    )
    tickets = reverse("admin:core_importedticket_changelist")
    tiles = [
        Tile(
            str(ImportedTicket.Status(status).label),
            imports.get(status, 0),
            f"{tickets}?status__exact={status}",
        )
        for status in ATTENTION_STATUSES
    ]
    dead = Q(status=NotificationDelivery.Status.DEAD)
    return [
        Tile(_("Importaciones: %(status)s") % {"status": tile.label.lower()}, tile.count, tile.url) for tile in tiles
    ] + [
        Tile(
            _("Notificaciones descartadas"),
            Notification.objects.filter(dead_at__isnull=False).count(),
            reverse("admin:core_notification_changelist") + "?estado=dead",
        ),
        Tile(
            _("Entregas de notificaciones descartadas"),
            NotificationDelivery.objects.filter(dead).count(),
            reverse("admin:core_notificationdelivery_changelist") + "?status__exact=dead",
        ),
        Tile(
            _("Entregas de webhook descartadas"),
            WebhookDelivery.objects.filter(dead).count(),
            reverse("admin:core_webhookdelivery_changelist") + "?status__exact=dead",
        ),
        Tile(
            _("Facturas sin PDF"),
            Invoice.objects.filter(pdf="").count(),
            reverse("admin:core_invoice_changelist") + "?pdf=missing",
        ),
    ]
