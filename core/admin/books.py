"""Admin for the agency's books. Money and numbering change only through the
services (API), so sales, invoices and entries are read-only here."""

from django.contrib import admin

from core.models import (
    Account,
    Client,
    Invoice,
    InvoiceLine,
    InvoiceSeries,
    JournalEntry,
    JournalLine,
    Payment,
    Product,
    Sale,
    SaleItem,
    Supplier,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    list_per_page = 50
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "document_type", "document_number", "email", "country"]
    list_select_related = ["country"]
    list_filter = ["kind", "document_type", "preferred_language"]
    search_fields = ["name", "document_number", "email"]
    autocomplete_fields = ["country"]
    show_full_result_count = False


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "airline", "tax_id", "active"]
    list_select_related = ["airline"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "tax_id"]
    autocomplete_fields = ["airline", "country"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "supplier", "default_tax_rate", "active"]
    list_select_related = ["supplier"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "supplier__name"]
    autocomplete_fields = ["supplier"]


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


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "type", "parent", "active"]
    list_select_related = ["parent"]
    list_filter = ["type", "active"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]


class JournalLineInline(ReadOnlyInline):
    model = JournalLine
    fields = ["account", "debit", "credit"]


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ["date", "description", "currency", "total_debit", "source", "source_id"]
    list_select_related = ["currency"]
    list_filter = ["source", "date"]
    search_fields = ["description"]
    inlines = [JournalLineInline]
