"""Admin for the chart of accounts and journal entries (read-only: entries are
posted by the services)."""

from django.contrib import admin

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
    fields = ["account", "debit", "credit"]


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ["date", "description", "currency", "total_debit", "source", "source_id"]
    list_select_related = ["currency"]
    list_filter = ["source", "date"]
    search_fields = ["description"]
    inlines = [JournalLineInline]
