"""Admin for imported tickets. Records change only through the import
service (parse, corrections, retry), so they are read-only here; failed
imports can be retried from the list."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin.read_only import ReadOnlyAdmin, ReadOnlyInline
from core.exceptions import DomainError
from core.models import ImportedTicket, TicketDocument, TicketSegment
from core.services import ticket_import


class TicketSegmentInline(ReadOnlyInline):
    model = TicketSegment
    fields = [
        "position", "carrier", "flight_number", "origin", "destination", "departure_date", "departure_time",
        "arrival_time", "booking_class", "fare_basis", "baggage", "status",
    ]  # fmt: skip


class ImportedTicketInline(ReadOnlyInline):
    model = ImportedTicket
    fields = ["position", "ticket_number", "passenger_name", "status", "error_message"]
    show_change_link = True


@admin.register(TicketDocument)
class TicketDocumentAdmin(ReadOnlyAdmin):
    list_display = ["id", "original_name", "content_type", "size", "uploaded_by", "created_at"]
    list_select_related = ["uploaded_by"]
    search_fields = ["original_name", "sha256"]
    inlines = [ImportedTicketInline]

    def get_queryset(self, request):
        # A pasted text can be long; the list does not show it.
        return super().get_queryset(request).defer("text")


@admin.register(ImportedTicket)
class ImportedTicketAdmin(ReadOnlyAdmin):
    list_display = [
        "id", "ticket_number", "passenger_name", "airline_code", "issue_date", "pnr", "currency_code", "total",
        "status", "duplicate_of", "sale_item", "created_at",
    ]  # fmt: skip
    list_select_related = ["duplicate_of", "sale_item"]
    # Fixed choices only: a filter on airline_code or a date hierarchy would
    # each cost a query over the whole table on every page.
    list_filter = ["status", "is_exchange"]
    search_fields = ["ticket_number", "pnr", "passenger_name", "passenger_document", "airline_code"]
    inlines = [TicketSegmentInline]
    actions = ["retry_failed_imports"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("parsed", "corrections")

    @admin.action(description=_("Reintentar las importaciones con error seleccionadas"))
    def retry_failed_imports(self, request, queryset) -> None:
        retried = 0
        for ticket_id in queryset.filter(status=ImportedTicket.Status.ERROR).values_list("id", flat=True):
            try:
                ticket_import.ticket_retry(ticket_id=ticket_id)
            except DomainError:
                continue  # another user retried it meanwhile
            retried += 1
        self.message_user(
            request,
            ngettext("%(count)d importación reintentada.", "%(count)d importaciones reintentadas.", retried)
            % {"count": retried},
            messages.SUCCESS,
        )
