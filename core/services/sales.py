"""Sales and their state machine:

    draft ──confirm──> confirmed ──(invoice issued)──> invoiced
      │                   │  ^                              │
      └─────cancel────────┘  └──────(invoice voided)────────┘
                │
                v
            cancelled

Items change only while the sale is a draft; payments are taken once it is
confirmed, up to the balance due. Totals are derived from items and payments
inside the same transaction as every change."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from core.exceptions import Conflict, InvalidInput, NotFound
from core.models import Client, Currency, ImportedTicket, Payment, Product, Sale, SaleItem, User
from core.money import fits_minor_units, format_amount, round_money
from core.services.accounting import journal_post_payment_received, too_many_decimals_message
from core.services.notifications import send_notification_async

# The largest percent SaleItem.tax_rate holds (five digits, two decimals).
MAX_SHOWN_TAX_RATE = Decimal("999.99")


@dataclass(frozen=True)
class ItemSpec:
    product: Product
    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal | None = None
    # Stated taxes (an air ticket's) instead of a rate applied to the subtotal.
    tax_amount: Decimal | None = None
    # The imported ticket this item sells; the one-to-one makes it sold once.
    imported_ticket: ImportedTicket | None = None
    # A ticket's taxes by code ({"code": "YQ", "amount": "120.00"}), for the record and the receipt.
    taxes: tuple[dict, ...] = ()


def sale_create(
    *,
    client: Client,
    currency: Currency,
    items: list[ItemSpec],
    created_by: User | None = None,
    notes: str = "",
) -> Sale:
    with transaction.atomic():
        sale = Sale.objects.create(client=client, currency=currency, created_by=created_by, notes=notes)
        for position, item in enumerate(items):
            _item_create(sale, item, position)
        _refresh_totals(sale)
    return sale


def sale_item_add(*, sale_id: int, item: ItemSpec) -> SaleItem:
    with transaction.atomic():
        sale = _locked_sale(sale_id)
        _require_draft(sale)
        position = (sale.items.order_by("-position").values_list("position", flat=True).first() or 0) + 1
        created = _item_create(sale, item, position)
        _refresh_totals(sale)
    return created


def sale_item_remove(*, sale_id: int, item_id: int) -> Sale:
    with transaction.atomic():
        sale = _locked_sale(sale_id)
        _require_draft(sale)
        deleted, _detail = SaleItem.objects.filter(sale=sale, pk=item_id).delete()
        if not deleted:
            raise NotFound(_("La venta no tiene ese ítem."))
        _refresh_totals(sale)
    return sale


def sale_item_reprice(*, sale_id: int, item_id: int, item: ItemSpec) -> SaleItem:
    """Price the draft sale's item again from `item` (its product, price and
    taxes), keeping its place in the sale."""
    with transaction.atomic():
        sale = _locked_sale(sale_id)
        _require_draft(sale)
        current = SaleItem.objects.filter(sale=sale, pk=item_id).first()
        if current is None:
            raise NotFound(_("La venta no tiene ese ítem."))
        priced = _item_priced(sale, item)
        for field, value in priced.items():
            setattr(current, field, value)
        current.save(update_fields=list(priced))
        _refresh_totals(sale)
    return current


def sale_confirm(*, sale_id: int) -> Sale:
    with transaction.atomic():
        sale = _locked_sale(sale_id)
        if sale.status != Sale.Status.DRAFT:
            raise Conflict(_("Solo se confirma una venta en borrador."), code="invalid_transition")
        if not sale.items.exists():
            raise Conflict(_("Una venta sin ítems no se puede confirmar."), code="empty_sale")
        sale.status = Sale.Status.CONFIRMED
        sale.save(update_fields=["status", "updated_at"])
    return sale


def sale_cancel(*, sale_id: int) -> Sale:
    with transaction.atomic():
        sale = _locked_sale(sale_id)
        if sale.status not in (Sale.Status.DRAFT, Sale.Status.CONFIRMED):
            raise Conflict(
                _("Una venta en estado «%(status)s» no se puede anular; anule antes su factura.")
                % {"status": sale.get_status_display().lower()},
                code="invalid_transition",
            )
        if sale.paid_total:
            raise Conflict(_("La venta tiene pagos registrados; no se puede anular."), code="has_payments")
        sale.status = Sale.Status.CANCELLED
        sale.save(update_fields=["status", "updated_at"])
    return sale


def payment_record(
    *,
    sale_id: int,
    amount: Decimal,
    method: str,
    paid_on: datetime.date,
    currency: Currency | None = None,
    reference: str = "",
) -> Payment:
    """Record a payment and post its journal entry. A request repeated with
    its Idempotency-Key is answered by core.services.idempotency, not here."""
    with transaction.atomic():
        sale = _locked_sale(sale_id)
        if sale.status not in (Sale.Status.CONFIRMED, Sale.Status.INVOICED):
            raise Conflict(
                _("Solo se cobran ventas confirmadas o facturadas; esta venta está en estado «%(status)s».")
                % {"status": sale.get_status_display().lower()},
                code="invalid_transition",
            )
        if currency is not None and currency.pk != sale.currency_id:
            raise InvalidInput(
                _("El pago debe hacerse en la moneda de la venta (%(currency)s).") % {"currency": sale.currency.code},
                field="currency",
            )
        if not fits_minor_units(amount, sale.currency.minor_units):
            raise InvalidInput(
                too_many_decimals_message(amount=amount, currency=sale.currency),
                code="too_many_decimals",
                field="amount",
            )
        if amount <= 0:
            raise InvalidInput(_("El monto debe ser mayor que cero."), field="amount")
        if amount > sale.balance_due:
            raise Conflict(
                _("El pago (%(amount)s) supera el saldo pendiente (%(balance)s).")
                % {"amount": amount, "balance": sale.balance_due},
                code="overpayment",
            )
        payment = Payment.objects.create(
            sale=sale,
            amount=amount,
            currency=sale.currency,
            method=method,
            paid_on=paid_on,
            reference=reference,
        )
        _refresh_totals(sale)
        journal_post_payment_received(payment)
        _notify_payment_received(sale, payment)
    return payment


def _notify_payment_received(sale: Sale, payment: Payment) -> None:
    client = Client.objects.get(pk=sale.client_id)
    if not client.email:
        return
    minor_units = sale.currency.minor_units
    send_notification_async(
        "payment_received",
        client,
        {
            "sale_id": sale.pk,
            "amount": format_amount(payment.amount, minor_units),
            "currency": sale.currency.code,
            "paid_on": payment.paid_on.strftime("%d/%m/%Y"),
            "reference": payment.reference,
            "balance_due": format_amount(sale.balance_due, minor_units),
        },
    )


def _locked_sale(sale_id: int) -> Sale:
    try:
        return Sale.objects.select_for_update(of=("self",)).select_related("currency").get(pk=sale_id)
    except Sale.DoesNotExist as missing:
        raise NotFound(_("La venta no existe.")) from missing


def _require_draft(sale: Sale) -> None:
    if sale.status != Sale.Status.DRAFT:
        raise Conflict(_("Los ítems solo cambian mientras la venta es un borrador."), code="sale_not_draft")


def _item_create(sale: Sale, item: ItemSpec, position: int) -> SaleItem:
    return SaleItem.objects.create(
        sale=sale, position=position, imported_ticket=item.imported_ticket, **_item_priced(sale, item)
    )


def _item_priced(sale: Sale, item: ItemSpec) -> dict:
    """The item's fields that follow from its product, price and taxes.

    An item sold on a third party's behalf (an air ticket) carries no IGV:
    its stated taxes are the supplier's (airport and fuel charges), kept by
    code, and no percent is shown for them. An own item carries IGV at its
    rate, or the stated amount."""
    minor_units = sale.currency.minor_units
    if item.quantity <= 0:
        raise InvalidInput(_("La cantidad debe ser mayor que cero."), field="quantity")
    if item.unit_price < 0:
        raise InvalidInput(_("El precio no puede ser negativo."), field="unit_price")
    third_party = item.product.sold_on == Product.SoldOn.THIRD_PARTY
    tax_rate = item.product.default_tax_rate if item.tax_rate is None else item.tax_rate
    subtotal = round_money(item.quantity * item.unit_price, minor_units)
    if third_party:
        tax_amount = round_money(item.tax_amount or Decimal(0), minor_units)
        tax_rate = Decimal(0)
    elif item.tax_amount is None:
        tax_amount = round_money(subtotal * tax_rate / 100, minor_units)
    else:
        tax_amount = round_money(item.tax_amount, minor_units)
        tax_rate = Decimal(0) if not subtotal else round(tax_amount * 100 / subtotal, 2)
        if tax_rate > MAX_SHOWN_TAX_RATE:
            # Only shown beside stated taxes, which may be many times the price.
            tax_rate = Decimal(0)
    return {
        "product": item.product,
        "description": item.description or item.product.name,
        "quantity": item.quantity,
        "unit_price": item.unit_price,
        "tax_rate": tax_rate,
        "subtotal": subtotal,
        "tax_amount": tax_amount,
        "total": subtotal + tax_amount,
        "third_party": third_party,
        "taxes": list(item.taxes),
    }


def _refresh_totals(sale: Sale) -> None:
    zero = Decimal(0)
    own = Q(third_party=False)
    items = sale.items.aggregate(
        taxable=Coalesce(Sum("subtotal", filter=own & Q(tax_amount__gt=0)), zero),
        exempt=Coalesce(Sum("subtotal", filter=own & Q(tax_amount=0)), zero),
        collected_for_others=Coalesce(Sum("total", filter=Q(third_party=True)), zero),
        igv=Coalesce(Sum("tax_amount", filter=own), zero),
    )
    paid = sale.payments.aggregate(paid=Coalesce(Sum("amount"), zero))["paid"]
    sale.taxable_total = items["taxable"]
    sale.exempt_total = items["exempt"]
    sale.third_party_total = items["collected_for_others"]
    sale.subtotal = items["taxable"] + items["exempt"] + items["collected_for_others"]
    sale.tax_total = items["igv"]
    sale.total = sale.subtotal + sale.tax_total
    sale.paid_total = paid
    sale.save(
        update_fields=[
            "subtotal", "tax_total", "total", "taxable_total", "exempt_total", "third_party_total", "paid_total",
            "updated_at",
        ]
    )  # fmt: skip
