"""Admin for invoice series and invoices. An issued invoice never changes
here: it is issued from its sale's page and voided with the voiding
service; numbers are given only by the issuing service. Its PDF is served
to staff by this admin (the files are private)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.widgets import UnfoldAdminTextInputWidget

from core.admin.columns import short_datetime, shortened
from core.admin.documents import stored_pdf_response
from core.admin.money import money_display
from core.admin.read_only import BackOfficeAdmin, ReadOnlyAdmin, ReadOnlyInline
from core.exceptions import DomainError
from core.models import (
    Invoice,
    InvoiceLine,
    InvoiceSeries,
)
from core.services import invoicing


@admin.register(InvoiceSeries)
class InvoiceSeriesAdmin(BackOfficeAdmin):
    list_display = ["code", "description", "next_number", "active"]
    readonly_fields = ["next_number"]


class InvoiceLineInline(ReadOnlyInline):
    model = InvoiceLine
    fields = ["description", "quantity", "unit_price_shown", "tax_rate", "total_shown"]
    readonly_fields = ["unit_price_shown", "total_shown"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("invoice__currency")

    @admin.display(description=_("precio unitario"))
    def unit_price_shown(self, line: InvoiceLine) -> str:
        currency = line.invoice.currency
        return money_display(line.unit_price, currency.code, currency.minor_units)

    @admin.display(description=_("total"))
    def total_shown(self, line: InvoiceLine) -> str:
        currency = line.invoice.currency
        return money_display(line.total, currency.code, currency.minor_units)


class PdfFilter(admin.SimpleListFilter):
    title = _("PDF")
    parameter_name = "pdf"

    def lookups(self, request, model_admin):
        return [("made", _("Hecho")), ("missing", _("Sin PDF"))]

    def queryset(self, request, queryset):
        match self.value():
            case "made":
                return queryset.exclude(pdf="")
            case "missing":
                return queryset.filter(pdf="")
        return queryset


class InvoiceVoidForm(forms.Form):
    reason = forms.CharField(label=_("motivo de anulación"), max_length=250, widget=UnfoldAdminTextInputWidget)


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["number_shown", "client_shown", "total_shown", "status", "issued_shown", "pdf_link"]
    list_display_links = ["number_shown"]
    list_select_related = ["series", "currency"]
    list_filter = ["status", ("series", admin.RelatedOnlyFieldListFilter), PdfFilter]
    search_fields = ["number", "client_name__unaccent_icontains", "client_document_number"]
    fields = [
        "number_shown", "status", "sale", "client_name", "client_document_type", "client_document_number",
        "client_address", "client_email", "subtotal_shown", "tax_total_shown", "total_shown", "issued_at",
        "voided_at", "void_reason", "pdf_link",
    ]  # fmt: skip
    readonly_fields = fields
    inlines = [InvoiceLineInline]
    change_form_outer_before_template = "admin/core/invoice/void_button.html"

    @admin.display(description=_("número"), ordering="number")
    def number_shown(self, invoice: Invoice) -> str:
        return invoice.full_number

    @admin.display(description=_("cliente"), ordering="client_name")
    def client_shown(self, invoice: Invoice) -> str:
        return shortened(invoice.client_name)

    @admin.display(description=_("emitida"), ordering="issued_at")
    def issued_shown(self, invoice: Invoice) -> str:
        return short_datetime(invoice.issued_at)

    @admin.display(description=_("subtotal"))
    def subtotal_shown(self, invoice: Invoice) -> str:
        return money_display(invoice.subtotal, invoice.currency.code, invoice.currency.minor_units)

    @admin.display(description=_("impuestos"))
    def tax_total_shown(self, invoice: Invoice) -> str:
        return money_display(invoice.tax_total, invoice.currency.code, invoice.currency.minor_units)

    @admin.display(description=_("total"), ordering="total")
    def total_shown(self, invoice: Invoice) -> str:
        return money_display(invoice.total, invoice.currency.code, invoice.currency.minor_units)

    @admin.display(description=_("PDF"))
    def pdf_link(self, invoice: Invoice) -> str:
        if not invoice.pdf:
            return gettext("en preparación")
        return format_html(
            '<a href="{}" target="_blank" class="text-primary-600">PDF</a>',
            reverse("admin:core_invoice_pdf", args=[invoice.pk]),
        )

    def get_urls(self):
        return [
            path("<int:invoice_id>/pdf/", self.admin_site.admin_view(self.pdf_view), name="core_invoice_pdf"),
            path("<int:invoice_id>/void/", self.admin_site.admin_view(self.void_view), name="core_invoice_void"),
            *super().get_urls(),
        ]

    def pdf_view(self, request, invoice_id: int):
        invoice = Invoice.objects.select_related("series").filter(pk=invoice_id).first()
        if invoice is None:
            raise Http404
        if not self.has_view_permission(request, invoice):
            raise PermissionDenied
        return stored_pdf_response(invoice.pdf, filename=f"{invoice.full_number}.pdf")

    def void_view(self, request, invoice_id: int):
        if not request.user.has_perm("core.change_sale"):
            raise PermissionDenied
        invoice = Invoice.objects.select_related("series", "currency").filter(pk=invoice_id).first()
        if invoice is None:
            raise Http404
        form = InvoiceVoidForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                invoicing.invoice_void(invoice_id=invoice.pk, reason=form.cleaned_data["reason"])
            except DomainError as refused:
                self.message_user(request, refused.message, messages.ERROR)
            else:
                self.message_user(
                    request, gettext("Factura %(number)s anulada.") % {"number": invoice.full_number}, messages.SUCCESS
                )
            return HttpResponseRedirect(reverse("admin:core_invoice_change", args=[invoice.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Anular la factura %(number)s") % {"number": invoice.full_number},
            "summary": f"{invoice.client_name} · "
            + money_display(invoice.total, invoice.currency.code, invoice.currency.minor_units),
            "form": form,
            "submit_label": gettext("Anular factura"),
            "submit_variant": "danger",
            "back_url": reverse("admin:core_invoice_change", args=[invoice.pk]),
            "back_label": gettext("Volver a la factura"),
        }
        return TemplateResponse(request, "admin/core/step_form.html", context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["may_void"] = (
            obj is not None and obj.status == Invoice.Status.ISSUED and request.user.has_perm("core.change_sale")
        )
        return super().render_change_form(request, context, add, change, form_url, obj)
