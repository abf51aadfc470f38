"""Admin for imported tickets. Records change only through the import
service (parse, corrections, retry), so they are read-only here; failed
imports can be retried from the list."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin.columns import short_date, shortened
from core.admin.documents import stored_pdf_response
from core.admin.money import money_display_for_code
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
        "ticket_shown", "passenger_shown", "airline_shown", "issued_shown", "pnr", "total_shown", "status",
        "duplicate_of", "pdf_link",
    ]  # fmt: skip
    list_display_links = ["ticket_shown"]
    list_select_related = ["duplicate_of"]
    # The stored file's own link would be /media/…, which is not served: the admin's PDF view instead.
    exclude = ["pdf"]
    readonly_fields = ["pdf_link"]
    # Fixed choices only: a filter on airline_code or a date hierarchy would
    # each cost a query over the whole table on every page.
    list_filter = ["status", "is_exchange"]
    search_fields = ["ticket_number", "pnr", "passenger_name__unaccent_icontains", "passenger_document", "airline_code"]
    inlines = [TicketSegmentInline]
    actions = ["retry_failed_imports"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("parsed", "corrections")

    @admin.display(description=_("boleto"), ordering="ticket_number")
    def ticket_shown(self, ticket: ImportedTicket) -> str:
        return str(ticket)

    @admin.display(description=_("pasajero"), ordering="passenger_name")
    def passenger_shown(self, ticket: ImportedTicket) -> str:
        return shortened(ticket.passenger_name, 30)

    @admin.display(description=_("aerolínea"), ordering="airline_code")
    def airline_shown(self, ticket: ImportedTicket) -> str:
        return ticket.airline_code

    @admin.display(description=_("emitido"), ordering="issue_date")
    def issued_shown(self, ticket: ImportedTicket) -> str:
        return short_date(ticket.issue_date)

    @admin.display(description=_("total"), ordering="total")
    def total_shown(self, ticket: ImportedTicket) -> str:
        return money_display_for_code(ticket.total, ticket.currency_code)

    @admin.display(description=_("PDF"))
    def pdf_link(self, ticket: ImportedTicket) -> str:
        if not ticket.pdf:
            return "—"
        return format_html(
            '<a href="{}" target="_blank" class="text-primary-600">PDF</a>',
            reverse("admin:core_importedticket_pdf", args=[ticket.pk]),
        )

    def get_urls(self):
        pdf = path("<int:ticket_id>/pdf/", self.admin_site.admin_view(self.pdf_view), name="core_importedticket_pdf")
        return [pdf, *super().get_urls()]

    def pdf_view(self, request, ticket_id: int):
        ticket = ImportedTicket.objects.only("pk", "ticket_number", "pdf").filter(pk=ticket_id).first()
        if ticket is None:
            raise Http404
        if not self.has_view_permission(request, ticket):
            raise PermissionDenied
        return stored_pdf_response(ticket.pdf, filename=f"boleto-{ticket.ticket_number or ticket.pk}.pdf")

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
