"""Posting journal entries. Every entry is balanced where it is posted; on
PostgreSQL a deferred trigger refuses an unbalanced one at commit as well."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import InvalidInput
from core.models import Account, Currency, Invoice, JournalEntry, JournalLine, Payment
from core.money import fits_minor_units, round_money

# Accounts the automatic entries use (codes of the default chart, load_chart_of_accounts).
RECEIVABLE_ACCOUNT = "1212"
BANK_ACCOUNT = "1041"
SERVICE_REVENUE_ACCOUNT = "7041"
SALES_TAX_ACCOUNT = "40111"
# What the agency collects on a supplier's behalf (an air ticket's fare and
# taxes, owed to the airline through the BSP): a payable, neither revenue nor IGV.
THIRD_PARTY_PAYABLE_ACCOUNT = "4696"
# The marketplace: what guests pay for a host's stay is held for the host;
# the platform's service fee (tax included) is its revenue.
PAYEE_PAYABLE_ACCOUNT = "4699"
PLATFORM_FEE_REVENUE_ACCOUNT = "7049"


@dataclass(frozen=True)
class LineSpec:
    account_code: str
    debit: Decimal = Decimal(0)
    credit: Decimal = Decimal(0)


def journal_entry_post(
    *,
    date: datetime.date,
    description: str,
    currency: Currency,
    lines: Iterable[LineSpec],
    source: str = JournalEntry.Source.MANUAL,
    source_id: int | None = None,
    chart_if_missing: bool = False,
) -> JournalEntry:
    """Post a balanced entry. With a `source_id`, posting is idempotent: the
    entry already posted for that source is returned instead of a second one.
    With `chart_if_missing`, accounts not there yet are made by loading the
    default chart (money that arrived is booked even where nobody loaded it)."""
    lines = [line for line in lines if line.debit or line.credit]
    _check_balanced(lines)
    _check_minor_units(lines, currency)
    if source_id is not None:
        existing = JournalEntry.objects.filter(source=source, source_id=source_id).first()
        if existing:
            return existing
    codes = {line.account_code for line in lines}
    accounts = _accounts_by_code(codes)
    if chart_if_missing and len(accounts) < len(codes):
        chart_of_accounts_load()
        accounts = _accounts_by_code(codes)
    missing = codes - set(accounts)
    if missing:
        raise InvalidInput(
            _("Cuentas contables inexistentes: %(codes)s.") % {"codes": ", ".join(sorted(missing))}, field="lines"
        )
    total = sum((line.debit for line in lines), Decimal(0))
    try:
        with transaction.atomic():
            entry = JournalEntry.objects.create(
                date=date,
                description=description,
                currency=currency,
                source=source,
                source_id=source_id,
                total_debit=total,
                total_credit=total,
            )
            JournalLine.objects.bulk_create(
                JournalLine(
                    entry=entry,
                    account=accounts[line.account_code],
                    debit=line.debit,
                    credit=line.credit,
                    position=position,
                )
                for position, line in enumerate(lines)
            )
    except IntegrityError:
        posted = _entry_posted_meanwhile(source, source_id)
        if posted is None:
            raise
        return posted
    return entry


def _accounts_by_code(codes: set[str]) -> dict[str, Account]:
    return {account.code: account for account in Account.objects.filter(code__in=codes)}


def _entry_posted_meanwhile(source: str, source_id: int | None) -> JournalEntry | None:
    """After the unique constraint refused an entry for this source: the one
    another transaction posted for it since this one looked."""
    if source_id is None:
        return None
    return JournalEntry.objects.filter(source=source, source_id=source_id).first()


def _check_balanced(lines: list[LineSpec]) -> None:
    if len(lines) < 2:
        raise InvalidInput(_("Un asiento necesita al menos dos líneas."), code="unbalanced", field="lines")
    for line in lines:
        if line.debit < 0 or line.credit < 0 or (line.debit and line.credit):
            raise InvalidInput(
                _("Cada línea lleva un importe positivo en el debe o en el haber, no en ambos."),
                code="invalid_line",
                field="lines",
            )
    debit = sum((line.debit for line in lines), Decimal(0))
    credit = sum((line.credit for line in lines), Decimal(0))
    if debit != credit:
        raise InvalidInput(
            _("El asiento no cuadra: debe %(debit)s, haber %(credit)s.") % {"debit": debit, "credit": credit},
            code="unbalanced",
            field="lines",
        )


def _check_minor_units(lines: list[LineSpec], currency: Currency) -> None:
    """An amount with more decimals than its currency (1.005 PEN) is refused, not rounded."""
    for line in lines:
        for amount in (line.debit, line.credit):
            if not fits_minor_units(amount, currency.minor_units):
                raise InvalidInput(
                    too_many_decimals_message(amount=amount, currency=currency), code="too_many_decimals", field="lines"
                )


def too_many_decimals_message(*, amount: Decimal, currency: Currency) -> str:
    return _("%(amount)s tiene más decimales de los que admite %(currency)s (%(places)d).") % {
        "amount": f"{amount.normalize():f}",
        "currency": currency.code,
        "places": currency.minor_units,
    }


def _invoice_issued_lines(invoice: Invoice) -> list[LineSpec]:
    """The client owes the total; what was collected for suppliers is owed to
    them; the rest is the agency's revenue, and the IGV on it is owed to the
    tax authority. (Invoices issued before the split have no third-party part.)"""
    return [
        LineSpec(RECEIVABLE_ACCOUNT, debit=invoice.total),
        LineSpec(THIRD_PARTY_PAYABLE_ACCOUNT, credit=invoice.third_party_total),
        LineSpec(SERVICE_REVENUE_ACCOUNT, credit=invoice.subtotal - invoice.third_party_total),
        LineSpec(SALES_TAX_ACCOUNT, credit=invoice.tax_total),
    ]


def _third_party_account_ensure(invoice: Invoice) -> None:
    """Books whose chart was loaded before the third-party account existed get it."""
    if invoice.third_party_total and not Account.objects.filter(code=THIRD_PARTY_PAYABLE_ACCOUNT).exists():
        chart_of_accounts_load()


def journal_post_invoice_issued(invoice: Invoice) -> JournalEntry:
    _third_party_account_ensure(invoice)
    return journal_entry_post(
        date=timezone.localdate(invoice.issued_at),
        description=_("Factura %(number)s") % {"number": invoice.full_number},
        currency=invoice.currency,
        source=JournalEntry.Source.INVOICE_ISSUED,
        source_id=invoice.pk,
        lines=_invoice_issued_lines(invoice),
    )


def journal_post_invoice_voided(invoice: Invoice) -> JournalEntry:
    """The issuing entry reversed: every debit becomes a credit and back."""
    return journal_entry_post(
        date=timezone.localdate(invoice.voided_at),
        description=_("Anulación de la factura %(number)s") % {"number": invoice.full_number},
        currency=invoice.currency,
        source=JournalEntry.Source.INVOICE_VOIDED,
        source_id=invoice.pk,
        lines=[
            LineSpec(line.account_code, debit=line.credit, credit=line.debit) for line in _invoice_issued_lines(invoice)
        ],
    )


def journal_post_payment_received(payment: Payment) -> JournalEntry:
    return journal_entry_post(
        date=payment.paid_on,
        description=_("Cobro de la venta %(sale)s") % {"sale": payment.sale_id},
        currency=payment.currency,
        source=JournalEntry.Source.PAYMENT_RECEIVED,
        source_id=payment.pk,
        lines=[
            LineSpec(BANK_ACCOUNT, debit=payment.amount),
            LineSpec(RECEIVABLE_ACCOUNT, credit=payment.amount),
        ],
    )


@dataclass(frozen=True)
class MarketplaceAmounts:
    """Money that moved for a marketplace sale, split by whose it is: the
    payee's (a host's, held as a payable), taxes collected with it, and the
    platform's fee with its tax included."""

    payee: Decimal
    taxes: Decimal
    fee: Decimal

    @property
    def total(self) -> Decimal:
        return self.payee + self.taxes + self.fee


def _marketplace_lines(amounts: MarketplaceAmounts, currency: Currency) -> list[LineSpec]:
    """The credits of money received: the fee split into revenue and its tax."""
    rate = settings.MARKETPLACE_FEE_TAX_PERCENT
    fee_revenue = round_money(amounts.fee * 100 / (100 + rate), currency.minor_units)
    return [
        LineSpec(PAYEE_PAYABLE_ACCOUNT, credit=amounts.payee),
        LineSpec(SALES_TAX_ACCOUNT, credit=amounts.taxes + amounts.fee - fee_revenue),
        LineSpec(PLATFORM_FEE_REVENUE_ACCOUNT, credit=fee_revenue),
    ]


def journal_post_marketplace_charge(
    *, charge_id: int, date: datetime.date, description: str, currency: Currency, amounts: MarketplaceAmounts
) -> JournalEntry:
    """A guest's payment: to the bank, held for the payee, the fee as revenue. Once per charge."""
    return journal_entry_post(
        date=date,
        description=description,
        currency=currency,
        source=JournalEntry.Source.MARKETPLACE_CHARGE,
        source_id=charge_id,
        chart_if_missing=True,
        lines=[LineSpec(BANK_ACCOUNT, debit=amounts.total), *_marketplace_lines(amounts, currency)],
    )


def journal_post_marketplace_refund(
    *, refund_id: int, date: datetime.date, description: str, currency: Currency, amounts: MarketplaceAmounts
) -> JournalEntry:
    """Money given back: the charge's entry reversed for these amounts. Once per refund."""
    return journal_entry_post(
        date=date,
        description=description,
        currency=currency,
        source=JournalEntry.Source.MARKETPLACE_REFUND,
        source_id=refund_id,
        chart_if_missing=True,
        lines=[
            *(LineSpec(line.account_code, debit=line.credit) for line in _marketplace_lines(amounts, currency)),
            LineSpec(BANK_ACCOUNT, credit=amounts.total),
        ],
    )


# A compact chart in the spirit of the Peruvian PCGE: enough for the agency's
# automatic entries and the usual manual ones. (code, name, type, parent code)
DEFAULT_CHART: list[tuple[str, str, str, str | None]] = [
    ("10", "Efectivo y equivalentes de efectivo", Account.Type.ASSET, None),
    ("101", "Caja", Account.Type.ASSET, "10"),
    ("104", "Cuentas corrientes en instituciones financieras", Account.Type.ASSET, "10"),
    ("1041", "Cuentas corrientes operativas", Account.Type.ASSET, "104"),
    ("12", "Cuentas por cobrar comerciales – terceros", Account.Type.ASSET, None),
    ("1212", "Facturas emitidas en cartera", Account.Type.ASSET, "12"),
    ("40", "Tributos por pagar", Account.Type.LIABILITY, None),
    ("4011", "Impuesto general a las ventas", Account.Type.LIABILITY, "40"),
    ("40111", "IGV – Cuenta propia", Account.Type.LIABILITY, "4011"),
    ("42", "Cuentas por pagar comerciales – terceros", Account.Type.LIABILITY, None),
    ("4212", "Facturas recibidas por pagar", Account.Type.LIABILITY, "42"),
    ("46", "Cuentas por pagar diversas – terceros", Account.Type.LIABILITY, None),
    ("469", "Otras cuentas por pagar diversas", Account.Type.LIABILITY, "46"),
    ("4696", "Cobros por cuenta de proveedores (aerolíneas – BSP)", Account.Type.LIABILITY, "469"),
    ("4699", "Cobros por cuenta de anfitriones", Account.Type.LIABILITY, "469"),
    ("50", "Capital", Account.Type.EQUITY, None),
    ("501", "Capital social", Account.Type.EQUITY, "50"),
    ("59", "Resultados acumulados", Account.Type.EQUITY, None),
    ("60", "Compras", Account.Type.EXPENSE, None),
    ("6032", "Servicios de terceros para la venta", Account.Type.EXPENSE, "60"),
    ("63", "Gastos de servicios prestados por terceros", Account.Type.EXPENSE, None),
    ("6391", "Comisiones bancarias", Account.Type.EXPENSE, "63"),
    ("70", "Ventas", Account.Type.INCOME, None),
    ("704", "Prestación de servicios", Account.Type.INCOME, "70"),
    ("7041", "Servicios de agencia de viajes", Account.Type.INCOME, "704"),
    ("7049", "Tarifas de servicio del marketplace", Account.Type.INCOME, "704"),
    ("75", "Otros ingresos de gestión", Account.Type.INCOME, None),
    ("759", "Otros ingresos de gestión", Account.Type.INCOME, "75"),
]


def chart_of_accounts_load() -> tuple[int, int]:
    """Create or update the default chart; returns (created, updated)."""
    created = updated = 0
    with transaction.atomic():
        by_code = {account.code: account for account in Account.objects.all()}
        for code, name, account_type, parent_code in DEFAULT_CHART:
            parent = by_code.get(parent_code) if parent_code else None
            account = by_code.get(code)
            if account is None:
                by_code[code] = Account.objects.create(code=code, name=name, type=account_type, parent=parent)
                created += 1
            elif (account.name, account.type, account.parent_id) != (name, account_type, parent and parent.pk):
                account.name, account.type, account.parent = name, account_type, parent
                account.save(update_fields=["name", "type", "parent"])
                updated += 1
    return created, updated
