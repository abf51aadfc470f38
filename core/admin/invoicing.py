"""Admin for invoice series and invoices: invoices are read-only, numbers are
given only by the issuing service."""

from django.contrib import admin

from core.admin.read_only import ReadOnlyAdmin, ReadOnlyInline
from core.models import (
    Invoice,
    InvoiceLine,
    InvoiceSeries,
)


@admin.register(InvoiceSeries)
class InvoiceSeriesAdmin(admin.ModelAdmin):
    list_display = ["code", "description", "next_number", "active"]
    readonly_fields = ["next_number"]


class InvoiceLineInline(ReadOnlyInline):
    model = InvoiceLine
    fields = ["description", "quantity", "unit_price", "tax_rate", "tax_amount", "total"]


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "client_name", "currency", "total", "status", "issued_at"]
    list_select_related = ["series", "currency"]
    list_filter = ["status", "series"]
    search_fields = ["number", "client_name", "client_document_number"]
    inlines = [InvoiceLineInline]
