"""Sales: what a client bought, for how much, and what they paid."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models.catalogs import Currency
from core.models.parties import Client, Product
from core.money import money_field


class Sale(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Borrador")
        CONFIRMED = "confirmed", _("Confirmada")
        INVOICED = "invoiced", _("Facturada")
        CANCELLED = "cancelled", _("Anulada")

    client = models.ForeignKey(Client, verbose_name=_("cliente"), on_delete=models.PROTECT, related_name="sales")
    currency = models.ForeignKey(Currency, verbose_name=_("moneda"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("estado"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    notes = models.TextField(_("notas"), blank=True)
    # Derived from the items and payments by core.services.sales on every change.
    subtotal = money_field(_("subtotal"))
    tax_total = money_field(_("impuestos"))
    total = money_field(_("total"))
    # The subtotal split as a Peruvian e-invoice shows it: own sales with IGV
    # (gravadas), own sales without (exoneradas/inafectas), and what was
    # collected on behalf of third parties (an air ticket's fare and taxes).
    # subtotal = taxable + exempt + third party; tax_total is IGV only.
    taxable_total = money_field(_("operaciones gravadas"))
    exempt_total = money_field(_("operaciones exoneradas o inafectas"))
    third_party_total = money_field(_("cobros por cuenta de terceros"))
    paid_total = money_field(_("pagado"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("creada por"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("creada"), auto_now_add=True)
    updated_at = models.DateTimeField(_("actualizada"), auto_now=True)

    class Meta:
        verbose_name = _("venta")
        verbose_name_plural = _("ventas")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="sale_newest"),
            models.Index(fields=["client", "-created_at"], name="sale_client_newest"),
            models.Index(fields=["status", "-created_at"], name="sale_status_newest"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(paid_total__lte=models.F("total")) & models.Q(paid_total__gte=0),
                name="sale_paid_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"Venta {self.pk}"

    @property
    def balance_due(self) -> Decimal:
        return self.total - self.paid_total


class SaleItem(models.Model):
    sale = models.ForeignKey(Sale, verbose_name=_("venta"), on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, verbose_name=_("producto"), on_delete=models.PROTECT, related_name="+")
    description = models.CharField(_("descripción"), max_length=300)
    quantity = models.DecimalField(_("cantidad"), max_digits=10, decimal_places=2, default=1)
    unit_price = money_field(_("precio unitario"))
    tax_rate = models.DecimalField(_("impuesto (%)"), max_digits=5, decimal_places=2, default=0)
    subtotal = money_field(_("subtotal"))
    tax_amount = money_field(_("impuestos"))
    total = money_field(_("total"))
    position = models.PositiveSmallIntegerField(_("orden"), default=0)
    # Sold for a third party (from the product, when the item was made): its
    # subtotal and stated taxes are the supplier's money, not revenue nor IGV.
    third_party = models.BooleanField(_("por cuenta de terceros"), default=False)
    # A ticket's taxes by code ([{"code": "YQ", "amount": "120.00"}, …]), as printed.
    taxes = models.JSONField(_("impuestos por código"), default=list, blank=True)
    # A ticket becomes one item, once: the one-to-one makes a second impossible.
    imported_ticket = models.OneToOneField(
        "core.ImportedTicket",
        verbose_name=_("boleto importado"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sale_item",
    )

    class Meta:
        verbose_name = _("ítem de venta")
        verbose_name_plural = _("ítems de venta")
        ordering = ["sale_id", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="sale_item_quantity_positive"),
            models.CheckConstraint(condition=models.Q(unit_price__gte=0), name="sale_item_price_not_negative"),
        ]

    def __str__(self) -> str:
        return self.description


class Payment(models.Model):
    class Method(models.TextChoices):
        CASH = "cash", _("Efectivo")
        CARD = "card", _("Tarjeta")
        TRANSFER = "transfer", _("Transferencia")
        DEPOSIT = "deposit", _("Depósito")
        OTHER = "other", _("Otro")

    sale = models.ForeignKey(Sale, verbose_name=_("venta"), on_delete=models.PROTECT, related_name="payments")
    amount = money_field(_("monto"))
    currency = models.ForeignKey(Currency, verbose_name=_("moneda"), on_delete=models.PROTECT, related_name="+")
    method = models.CharField(_("medio de pago"), max_length=10, choices=Method.choices)
    paid_on = models.DateField(_("fecha de pago"))
    reference = models.CharField(_("referencia"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("registrado"), auto_now_add=True)

    class Meta:
        verbose_name = _("pago")
        verbose_name_plural = _("pagos")
        ordering = ["sale_id", "paid_on", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency_id}"
