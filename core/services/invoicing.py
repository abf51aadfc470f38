"""Issuing and voiding invoices.

Numbers are gapless per series: the series row is locked for the rest of the
issuing transaction, so concurrent issuers queue on it, and a transaction that
fails gives its number back by rolling the increment back with it."""

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import Conflict, InvalidInput, NotFound
from core.models import Invoice, InvoiceLine, InvoiceSeries, Sale
from core.money import format_amount
from core.services.accounting import journal_post_invoice_issued, journal_post_invoice_voided
from core.services.notifications import send_notification_async
from core.services.pdf_rendering import invoice_pdf_bytes
from core.services.task_dispatch import task_send_on_commit
from core.services.webhooks import webhook_event_emit


def invoice_issue(*, sale_id: int, series_code: str) -> Invoice:
    with transaction.atomic():
        # Lock order, always: sale, then series.
        try:
            sale = Sale.objects.select_for_update(of=("self",)).select_related("client", "currency").get(pk=sale_id)
        except Sale.DoesNotExist as missing:
            raise NotFound(_("La venta no existe.")) from missing
        if sale.status != Sale.Status.CONFIRMED:
            raise Conflict(
                _("Solo se factura una venta confirmada; esta venta está en estado «%(status)s».")
                % {"status": sale.get_status_display().lower()},
                code="invalid_transition",
            )
        if not sale.total:
            # Nothing to collect and nothing to book: refused before a number is taken.
            raise Conflict(
                _("Una venta con total cero no se factura; agregue ítems con precio o anúlela."), code="zero_total"
            )
        series = _locked_series(series_code)
        number = series.next_number
        series.next_number = number + 1
        series.save(update_fields=["next_number"])

        client = sale.client
        invoice = Invoice.objects.create(
            series=series,
            number=number,
            sale=sale,
            client=client,
            client_name=client.name,
            client_document_type=client.document_type,
            client_document_number=client.document_number,
            client_address=client.address,
            client_email=client.email,
            currency=sale.currency,
            subtotal=sale.subtotal,
            tax_total=sale.tax_total,
            total=sale.total,
            taxable_total=sale.taxable_total,
            exempt_total=sale.exempt_total,
            third_party_total=sale.third_party_total,
            issued_at=timezone.now(),
        )
        InvoiceLine.objects.bulk_create(
            InvoiceLine(
                invoice=invoice,
                description=item.description,
                quantity=item.quantity,
                unit_price=item.unit_price,
                tax_rate=item.tax_rate,
                subtotal=item.subtotal,
                tax_amount=item.tax_amount,
                total=item.total,
                position=item.position,
                third_party=item.third_party,
                taxes=item.taxes,
            )
            for item in sale.items.all()
        )
        sale.status = Sale.Status.INVOICED
        sale.save(update_fields=["status", "updated_at"])
        journal_post_invoice_issued(invoice)
        webhook_event_emit(event_type="invoice.issued", payload=_invoice_event_payload(invoice))
        task_send_on_commit("core.generate_pdf", "invoice", invoice.pk)
    return invoice


def invoice_void(*, invoice_id: int, reason: str) -> Invoice:
    if not reason.strip():
        raise InvalidInput(_("Indique el motivo de la anulación."), field="reason")
    sale_id = Invoice.objects.filter(pk=invoice_id).values_list("sale_id", flat=True).first()
    if sale_id is None:
        raise NotFound(_("La factura no existe."))
    with transaction.atomic():
        # Same lock order as issuing: the sale first.
        sale = Sale.objects.select_for_update(of=("self",)).get(pk=sale_id)
        invoice = Invoice.objects.select_for_update(of=("self",)).select_related("series").get(pk=invoice_id)
        if invoice.status == Invoice.Status.VOID:
            raise Conflict(_("La factura ya está anulada."), code="already_void")
        replaced_pdf = invoice.pdf.name
        invoice.status = Invoice.Status.VOID
        invoice.voided_at = timezone.now()
        invoice.void_reason = reason.strip()
        # The PDF is made again, stamped as void.
        invoice.pdf = ""
        invoice.save(update_fields=["status", "voided_at", "void_reason", "pdf"])
        # The sale may be invoiced again or cancelled.
        sale.status = Sale.Status.CONFIRMED
        sale.save(update_fields=["status", "updated_at"])
        journal_post_invoice_voided(invoice)
        if replaced_pdf:
            transaction.on_commit(lambda: invoice.pdf.storage.delete(replaced_pdf), robust=True)
        task_send_on_commit("core.generate_pdf", "invoice", invoice.pk)
    return invoice


def _locked_series(series_code: str) -> InvoiceSeries:
    try:
        return InvoiceSeries.objects.select_for_update().get(code=series_code, active=True)
    except InvoiceSeries.DoesNotExist as missing:
        raise InvalidInput(
            _("No existe la serie de facturación activa '%(code)s'.") % {"code": series_code}, field="series"
        ) from missing


def invoice_pdf_generate(*, invoice_id: int) -> bool:
    """Render and store the invoice's PDF. Returns True when this call stored
    it; False when the invoice is gone or another run already did."""
    invoice = Invoice.objects.select_related("series", "currency", "client").filter(pk=invoice_id).first()
    if invoice is None or invoice.pdf:
        return False
    storage = invoice.pdf.storage
    name = storage.save(
        invoice.pdf.field.generate_filename(invoice, f"{invoice.full_number}.pdf"),
        ContentFile(invoice_pdf_bytes(invoice)),
    )
    with transaction.atomic():
        # Two runs may render at once; the first to record its file wins, and
        # only it sends the client the invoice.
        if not Invoice.objects.filter(pk=invoice_id, pdf="").update(pdf=name):
            transaction.on_commit(lambda: storage.delete(name))
            return False
        if invoice.status == Invoice.Status.ISSUED and invoice.client.email:
            _notify_invoice_issued(invoice, pdf_name=name)
    return True


def _notify_invoice_issued(invoice: Invoice, *, pdf_name: str) -> None:
    minor_units = invoice.currency.minor_units
    sale = Sale.objects.only("total", "paid_total").get(pk=invoice.sale_id)
    send_notification_async(
        "invoice_issued",
        invoice.client,
        {
            "invoice_number": invoice.full_number,
            "issued_on": timezone.localdate(invoice.issued_at).strftime("%d/%m/%Y"),
            "currency": invoice.currency.code,
            "total": format_amount(invoice.total, minor_units),
            "balance_due": format_amount(sale.balance_due, minor_units),
        },
        attachments=[pdf_name],
    )


def _invoice_event_payload(invoice: Invoice) -> dict:
    return {
        "id": invoice.pk,
        "number": invoice.full_number,
        "sale": invoice.sale_id,
        "client": invoice.client_id,
        "currency": invoice.currency.code,
        "total": format_amount(invoice.total, invoice.currency.minor_units),
        "issued_at": invoice.issued_at.isoformat(),
    }
