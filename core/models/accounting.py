"""Double-entry bookkeeping: a chart of accounts and balanced journal entries."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models.catalogs import Currency
from core.money import money_field


class Account(models.Model):
    class Type(models.TextChoices):
        ASSET = "asset", _("Activo")
        LIABILITY = "liability", _("Pasivo")
        EQUITY = "equity", _("Patrimonio")
        INCOME = "income", _("Ingreso")
        EXPENSE = "expense", _("Gasto")

    code = models.CharField(_("código"), max_length=12, unique=True)
    name = models.CharField(_("nombre"), max_length=150)
    type = models.CharField(_("tipo"), max_length=10, choices=Type.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("cuenta padre"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    active = models.BooleanField(_("activa"), default=True)

    class Meta:
        verbose_name = _("cuenta contable")
        verbose_name_plural = _("plan de cuentas")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class JournalEntry(models.Model):
    class Source(models.TextChoices):
        INVOICE_ISSUED = "invoice_issued", _("Factura emitida")
        INVOICE_VOIDED = "invoice_voided", _("Factura anulada")
        PAYMENT_RECEIVED = "payment_received", _("Pago recibido")
        MARKETPLACE_CHARGE = "marketplace_charge", _("Cobro del marketplace")
        MARKETPLACE_REFUND = "marketplace_refund", _("Reembolso del marketplace")
        MANUAL = "manual", _("Manual")

    date = models.DateField(_("fecha"))
    description = models.CharField(_("glosa"), max_length=250)
    currency = models.ForeignKey(Currency, verbose_name=_("moneda"), on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("origen"), max_length=20, choices=Source.choices, default=Source.MANUAL)
    # The invoice or payment that caused the entry; with `source` it makes
    # automatic posting happen once, however often it is attempted.
    source_id = models.PositiveBigIntegerField(_("id de origen"), null=True, blank=True)
    # Kept with the entry so the database itself can refuse an unbalanced one.
    total_debit = money_field(_("total debe"))
    total_credit = money_field(_("total haber"))
    posted_at = models.DateTimeField(_("registrado"), auto_now_add=True)

    class Meta:
        verbose_name = _("asiento contable")
        verbose_name_plural = _("asientos contables")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(total_debit=models.F("total_credit")), name="entry_balanced"),
            models.UniqueConstraint(
                fields=["source", "source_id"],
                condition=models.Q(source_id__isnull=False),
                name="entry_posted_once_per_source",
            ),
        ]
        indexes = [models.Index(fields=["-date", "-id"], name="entry_newest")]

    def __str__(self) -> str:
        return f"{self.date} {self.description}"


class JournalLine(models.Model):
    entry = models.ForeignKey(JournalEntry, verbose_name=_("asiento"), on_delete=models.CASCADE, related_name="lines")
    account = models.ForeignKey(Account, verbose_name=_("cuenta"), on_delete=models.PROTECT, related_name="lines")
    debit = money_field(_("debe"))
    credit = money_field(_("haber"))
    position = models.PositiveSmallIntegerField(_("orden"), default=0)

    class Meta:
        verbose_name = _("línea de asiento")
        verbose_name_plural = _("líneas de asiento")
        ordering = ["entry_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(debit__gte=0, credit__gte=0)
                    & (models.Q(debit=0, credit__gt=0) | models.Q(credit=0, debit__gt=0))
                ),
                name="line_debit_xor_credit",
            ),
        ]
        indexes = [models.Index(fields=["account", "entry"], name="line_account_entry")]

    def __str__(self) -> str:
        return f"{self.account_id} D{self.debit} H{self.credit}"
