"""Admin for clients, suppliers and products."""

from django.contrib import admin

from core.admin.read_only import BackOfficeAdmin
from core.models import (
    Client,
    Product,
    Supplier,
)


@admin.register(Client)
class ClientAdmin(BackOfficeAdmin):
    list_display = ["name", "kind", "document_type", "document_number", "email", "country"]
    list_select_related = ["country"]
    list_filter = ["kind", "document_type", "preferred_language"]
    search_fields = ["name__unaccent_icontains", "document_number", "email"]
    autocomplete_fields = ["country"]
    show_full_result_count = False


@admin.register(Supplier)
class SupplierAdmin(BackOfficeAdmin):
    list_display = ["name", "kind", "airline", "tax_id", "active"]
    list_select_related = ["airline"]
    list_filter = ["kind", "active"]
    search_fields = ["name__unaccent_icontains", "tax_id"]
    autocomplete_fields = ["airline", "country"]


@admin.register(Product)
class ProductAdmin(BackOfficeAdmin):
    list_display = ["name", "kind", "sold_on", "supplier", "default_tax_rate", "active"]
    list_select_related = ["supplier"]
    list_filter = ["kind", "sold_on", "active"]
    search_fields = ["name__unaccent_icontains", "supplier__name__unaccent_icontains"]
    autocomplete_fields = ["supplier"]
