"""Invoices: numbered without gaps per series, with the client's fiscal data
frozen at issue."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models.catalogs import Currency
from core.models.parties import Client
from core.models.sales import Sale
from core.money import money_field


class InvoiceSeries(models.Model):
    code = models.CharField(_("serie"), max_length=8, unique=True)
    description = models.CharField(_("descripción"), max_length=100, blank=True)
    # The number the next invoice of the series takes; only ever incremented
    # by core.services.invoicing while holding a lock on this row.
    next_number = models.PositiveIntegerField(_("siguiente número"), default=1)
    active = models.BooleanField(_("activa"), default=True)

    class Meta:
        verbose_name = _("serie de facturación")
        verbose_name_plural = _("series de facturación")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Invoice(models.Model):
    class Status(models.TextChoices):
        ISSUED = "issued", _("Emitida")
        VOID = "void", _("Anulada")

    series = models.ForeignKey(InvoiceSeries, verbose_name=_("serie"), on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField(_("número"))
    sale = models.ForeignKey(Sale, verbose_name=_("venta"), on_delete=models.PROTECT, related_name="invoices")
    client = models.ForeignKey(Client, verbose_name=_("cliente"), on_delete=models.PROTECT, related_name="invoices")
    # Fiscal data as it was when the invoice was issued.
    client_name = models.CharField(_("cliente (nombre)"), max_length=200)
    # The type's printed name ("Documento nacional de identidad" is 31 characters).
    client_document_type = models.CharField(_("cliente (tipo de documento)"), max_length=40)
    client_document_number = models.CharField(_("cliente (documento)"), max_length=20)
    client_address = models.CharField(_("cliente (dirección)"), max_length=250, blank=True)
    client_email = models.EmailField(_("cliente (correo)"), blank=True)
    currency = models.ForeignKey(Currency, verbose_name=_("moneda"), on_delete=models.PROTECT, related_name="+")
    subtotal = money_field(_("subtotal"))
    tax_total = money_field(_("impuestos"))
    total = money_field(_("total"))
    # As on the sale: subtotal = taxable + exempt + third party; tax_total is IGV.
    taxable_total = money_field(_("operaciones gravadas"))
    exempt_total = money_field(_("operaciones exoneradas o inafectas"))
    third_party_total = money_field(_("cobros por cuenta de terceros"))
    status = models.CharField(_("estado"), max_length=8, choices=Status.choices, default=Status.ISSUED)
    issued_at = models.DateTimeField(_("emitida"))
    voided_at = models.DateTimeField(_("anulada"), null=True, blank=True)
    void_reason = models.CharField(_("motivo de anulación"), max_length=250, blank=True)
    pdf = models.FileField(_("PDF"), upload_to="invoices/%Y/%m/", blank=True)

    class Meta:
        verbose_name = _("factura")
        verbose_name_plural = _("facturas")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["series", "number"], name="invoice_series_number_unique"),
            # A sale has at most one invoice in force; a voided one may be replaced.
            models.UniqueConstraint(
                fields=["sale"], condition=models.Q(status="issued"), name="invoice_one_issued_per_sale"
            ),
        ]
        indexes = [models.Index(fields=["client", "-issued_at"], name="invoice_client_newest")]

    def __str__(self) -> str:
        return self.full_number

    @property
    def full_number(self) -> str:
        return f"{self.series.code}-{self.number:08d}"


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, verbose_name=_("factura"), on_delete=models.CASCADE, related_name="lines")
    description = models.CharField(_("descripción"), max_length=300)
    quantity = models.DecimalField(_("cantidad"), max_digits=10, decimal_places=2)
    unit_price = money_field(_("precio unitario"))
    tax_rate = models.DecimalField(_("impuesto (%)"), max_digits=5, decimal_places=2)
    subtotal = money_field(_("subtotal"))
    tax_amount = money_field(_("impuestos"))
    total = money_field(_("total"))
    position = models.PositiveSmallIntegerField(_("orden"), default=0)
    third_party = models.BooleanField(_("por cuenta de terceros"), default=False)
    taxes = models.JSONField(_("impuestos por código"), default=list, blank=True)

    class Meta:
        verbose_name = _("línea de factura")
        verbose_name_plural = _("líneas de factura")
        ordering = ["invoice_id", "position", "id"]

    def __str__(self) -> str:
        return self.description
