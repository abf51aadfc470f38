"""Admin for the chart of accounts and journal entries (read-only: entries are
posted by the services)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin.money import money_display
from core.admin.read_only import BackOfficeAdmin, ReadOnlyAdmin, ReadOnlyInline
from core.models import (
    Account,
    JournalEntry,
    JournalLine,
)


@admin.register(Account)
class AccountAdmin(BackOfficeAdmin):
    list_display = ["code", "name", "type", "parent", "active"]
    list_select_related = ["parent"]
    list_filter = ["type", "active"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]


class JournalLineInline(ReadOnlyInline):
    model = JournalLine
    fields = ["account", "debit_shown", "credit_shown"]
    readonly_fields = ["debit_shown", "credit_shown"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("account", "entry__currency")

    @admin.display(description=_("debe"))
    def debit_shown(self, line: JournalLine) -> str:
        currency = line.entry.currency
        return money_display(line.debit, currency.code, currency.minor_units) if line.debit else ""

    @admin.display(description=_("haber"))
    def credit_shown(self, line: JournalLine) -> str:
        currency = line.entry.currency
        return money_display(line.credit, currency.code, currency.minor_units) if line.credit else ""


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ["date", "description", "total_shown", "source", "source_id"]
    list_select_related = ["currency"]
    list_filter = ["source", "date"]
    search_fields = ["description"]
    inlines = [JournalLineInline]

    @admin.display(description=_("total"), ordering="total_debit")
    def total_shown(self, entry: JournalEntry) -> str:
        return money_display(entry.total_debit, entry.currency.code, entry.currency.minor_units)
