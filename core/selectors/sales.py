"""Reads of sales, shaped straight from `values()` rows and no model
instances. A list page shows each sale's totals and how many items it has
(its size does not grow with a sale's items: a sale of 1,000 items is one
row); the detail shows the items too."""

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.models import Invoice, Payment, Sale, SaleItem
from core.money import format_amount

SALE_FIELDS = (
    "id",
    "status",
    "notes",
    "subtotal",
    "tax_total",
    "total",
    "taxable_total",
    "exempt_total",
    "third_party_total",
    "paid_total",
    "created_at",
    "client_id",
    "client__name",
    "client__document_type",
    "client__document_number",
    "currency__code",
    "currency__minor_units",
)
ITEM_FIELDS = (
    "id",
    "sale_id",
    "product_id",
    "product__name",
    "product__kind",
    "description",
    "quantity",
    "unit_price",
    "tax_rate",
    "subtotal",
    "tax_amount",
    "total",
    "third_party",
    "taxes",
)


def sale_rows(sales: QuerySet[Sale]) -> QuerySet:
    """The sales' own fields, client and currency, and their number of items
    (counted in the same query, per row of the page)."""
    item_count = (
        SaleItem.objects.filter(sale_id=OuterRef("pk")).order_by().values("sale_id").annotate(n=Count("id")).values("n")
    )
    return sales.values(*SALE_FIELDS).annotate(
        item_count=Coalesce(Subquery(item_count, output_field=IntegerField()), 0)
    )


def sales_shaped(rows: Iterable[dict]) -> list[dict]:
    """Turn `sale_rows` into the list's API dicts: totals and item count, no items."""
    # One time zone lookup per page, not per row.
    business_tz = timezone.get_current_timezone()
    return [_sale(row, business_tz) for row in rows]


def sales_with_items_shaped(rows: Iterable[dict]) -> list[dict]:
    """`sales_shaped` with each sale's items (one more query)."""
    rows = list(rows)
    items_by_sale = defaultdict(list)
    if rows:
        items = SaleItem.objects.filter(sale_id__in=[row["id"] for row in rows]).order_by("sale_id", "position", "id")
        for item in items.values(*ITEM_FIELDS):
            items_by_sale[item["sale_id"]].append(item)
    sales = sales_shaped(rows)
    for sale, row in zip(sales, rows, strict=True):
        sale["items"] = [_item(item, row["currency__minor_units"]) for item in items_by_sale[row["id"]]]
    return sales


def sale_detail(sale_id: int) -> dict | None:
    """A sale with items, payments and invoices: four queries."""
    row = sale_rows(Sale.objects.filter(pk=sale_id)).first()
    if row is None:
        return None
    (sale,) = sales_with_items_shaped([row])
    minor_units = row["currency__minor_units"]
    sale["payments"] = [
        {
            "id": payment["id"],
            "amount": format_amount(payment["amount"], minor_units),
            "method": payment["method"],
            "paid_on": payment["paid_on"].isoformat(),
            "reference": payment["reference"],
        }
        for payment in Payment.objects.filter(sale_id=sale_id)
        .order_by("paid_on", "id")
        .values("id", "amount", "method", "paid_on", "reference")
    ]
    sale["invoices"] = [
        {
            "id": invoice["id"],
            "number": f"{invoice['series__code']}-{invoice['number']:08d}",
            "status": invoice["status"],
        }
        for invoice in Invoice.objects.filter(sale_id=sale_id)
        .order_by("issued_at", "id")
        .values("id", "series__code", "number", "status")
    ]
    return sale


def _sale(row: dict, business_tz) -> dict:
    minor_units = row["currency__minor_units"]
    return {
        "id": row["id"],
        "status": row["status"],
        "client": {
            "id": row["client_id"],
            "name": row["client__name"],
            "document_type": row["client__document_type"],
            "document_number": row["client__document_number"],
        },
        "currency": row["currency__code"],
        "subtotal": format_amount(row["subtotal"], minor_units),
        "tax_total": format_amount(row["tax_total"], minor_units),
        "total": format_amount(row["total"], minor_units),
        "taxable_total": format_amount(row["taxable_total"], minor_units),
        "exempt_total": format_amount(row["exempt_total"], minor_units),
        "third_party_total": format_amount(row["third_party_total"], minor_units),
        "paid_total": format_amount(row["paid_total"], minor_units),
        "balance_due": format_amount(row["total"] - row["paid_total"], minor_units),
        "notes": row["notes"],
        "created_at": row["created_at"].astimezone(business_tz).isoformat(),
        "item_count": row["item_count"],
    }


def _item(item: dict, minor_units: int) -> dict:
    return {
        "id": item["id"],
        "product": {"id": item["product_id"], "name": item["product__name"], "kind": item["product__kind"]},
        "description": item["description"],
        "quantity": str(item["quantity"]),
        "unit_price": format_amount(item["unit_price"], minor_units),
        "tax_rate": str(item["tax_rate"]),
        "subtotal": format_amount(item["subtotal"], minor_units),
        "tax_amount": format_amount(item["tax_amount"], minor_units),
        "total": format_amount(item["total"], minor_units),
        "third_party": item["third_party"],
        "taxes": item["taxes"],
    }


def sale_count_by_status() -> dict[str, int]:
    return dict(Sale.objects.values_list("status").annotate(count=Count("id")).order_by("status"))
