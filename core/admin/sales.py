"""Admin for sales: read-only, they change through the services (API)."""

from django.contrib import admin

from core.admin.read_only import ReadOnlyAdmin, ReadOnlyInline
from core.models import (
    Payment,
    Sale,
    SaleItem,
)


class SaleItemInline(ReadOnlyInline):
    model = SaleItem
    fields = ["product", "description", "quantity", "unit_price", "tax_rate", "tax_amount", "total"]


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ["paid_on", "amount", "currency", "method", "reference"]


@admin.register(Sale)
class SaleAdmin(ReadOnlyAdmin):
    list_display = ["id", "client", "currency", "status", "total", "paid_total", "created_at"]
    list_select_related = ["client", "currency"]
    list_filter = ["status", "currency", "created_at"]
    search_fields = ["id", "client__name", "client__document_number"]
    inlines = [SaleItemInline, PaymentInline]
