"""Reads of the books."""

import datetime

from django.db.models import DecimalField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.models import JournalEntry, JournalLine
from core.money import format_amount

LINE_FIELDS = (
    "id",
    "entry_id",
    "entry__date",
    "entry__description",
    "entry__source",
    "entry__source_id",
    "entry__total_debit",
    "entry__posted_at",
    "entry__currency__code",
    "entry__currency__minor_units",
    "account__code",
    "account__name",
    "debit",
    "credit",
)


def entries_with_lines(entries: QuerySet[JournalEntry]) -> list[dict]:
    """The given entries (an unevaluated, possibly sliced queryset) with their
    lines and accounts, fetched in a single query."""
    lines = (
        JournalLine.objects.filter(entry__in=entries.values("id"))
        .order_by("-entry__date", "-entry_id", "position", "id")
        .values(*LINE_FIELDS)
    )
    shaped: dict[int, dict] = {}
    business_tz = timezone.get_current_timezone()
    for line in lines:
        entry = shaped.get(line["entry_id"])
        minor_units = line["entry__currency__minor_units"]
        if entry is None:
            entry = shaped[line["entry_id"]] = {
                "id": line["entry_id"],
                "date": line["entry__date"].isoformat(),
                "description": line["entry__description"],
                "source": line["entry__source"],
                "source_id": line["entry__source_id"],
                "currency": line["entry__currency__code"],
                "total": format_amount(line["entry__total_debit"], minor_units),
                "posted_at": line["entry__posted_at"].astimezone(business_tz).isoformat(),
                "lines": [],
            }
        entry["lines"].append(
            {
                "account": line["account__code"],
                "account_name": line["account__name"],
                "debit": format_amount(line["debit"], minor_units),
                "credit": format_amount(line["credit"], minor_units),
                "currency": line["entry__currency__code"],
            }
        )
    return list(shaped.values())


def trial_balance(*, date_from: datetime.date, date_to: datetime.date) -> list[dict]:
    """Debits, credits and balance per account and currency over the period,
    summed by the database in one query."""
    zero = Value(0, output_field=DecimalField())
    rows = (
        JournalLine.objects.filter(entry__date__gte=date_from, entry__date__lte=date_to)
        .values(
            "account__code",
            "account__name",
            "account__type",
            "entry__currency__code",
            "entry__currency__minor_units",
        )
        .annotate(debit=Coalesce(Sum("debit"), zero), credit=Coalesce(Sum("credit"), zero))
        .order_by("entry__currency__code", "account__code")
    )
    return [
        {
            "account": row["account__code"],
            "account_name": row["account__name"],
            "account_type": row["account__type"],
            "currency": row["entry__currency__code"],
            "debit": format_amount(row["debit"], row["entry__currency__minor_units"]),
            "credit": format_amount(row["credit"], row["entry__currency__minor_units"]),
            "balance": format_amount(row["debit"] - row["credit"], row["entry__currency__minor_units"]),
        }
        for row in rows
    ]
