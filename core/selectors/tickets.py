"""Reads of imported tickets, shaped straight from `values()` rows: a page of
50 tickets with their client, sale and segments costs three queries (count,
page, segments) and no model instances."""

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from core.models import ImportedTicket, TicketSegment
from core.services.ticket_import import effective_record

TICKET_FIELDS = (
    "id",
    "status",
    "missing_fields",
    "error_message",
    "attempts",
    "document_id",
    "position",
    "ticket_number",
    "pnr",
    "passenger_name",
    "passenger_document",
    "airline_code",
    "airline_name",
    "issue_date",
    "currency_code",
    "fare",
    "taxes_total",
    "total",
    "is_exchange",
    "original_ticket_number",
    "duplicate_of_id",
    "replaces_id",
    "pdf",
    "created_at",
    "parsed_at",
    # The reverse one-to-one joins in the same query.
    "sale_item__id",
    "sale_item__sale_id",
    "sale_item__sale__status",
    "sale_item__sale__client_id",
    "sale_item__sale__client__name",
    "sale_item__sale__client__document_type",
    "sale_item__sale__client__document_number",
)
SEGMENT_FIELDS = (
    "ticket_id",
    "carrier",
    "flight_number",
    "origin",
    "origin_code",
    "destination",
    "destination_code",
    "departure_date",
    "departure_time",
    "arrival_time",
    "booking_class",
    "fare_basis",
    "baggage",
    "status",
)


def ticket_rows(tickets: QuerySet[ImportedTicket]) -> QuerySet:
    return tickets.values(*TICKET_FIELDS)


def tickets_shaped(rows: Iterable[dict]) -> list[dict]:
    """Turn `ticket_rows` into API dicts, with their segments (one more query)."""
    rows = list(rows)
    segments_by_ticket = defaultdict(list)
    if rows:
        segments = TicketSegment.objects.filter(ticket_id__in=[row["id"] for row in rows]).order_by(
            "ticket_id", "position"
        )
        for segment in segments.values(*SEGMENT_FIELDS):
            segments_by_ticket[segment.pop("ticket_id")].append(segment)
    # One time zone lookup per page, not per row.
    business_tz = timezone.get_current_timezone()
    return [_ticket(row, segments_by_ticket[row["id"]], business_tz) for row in rows]


def ticket_detail(ticket_id: int) -> dict | None:
    """A ticket with the record the API shows (parsed + corrections), the
    parsed record and the corrections: two queries."""
    row = ImportedTicket.objects.filter(pk=ticket_id).values(*TICKET_FIELDS, "parsed", "corrections").first()
    if row is None:
        return None
    (ticket,) = tickets_shaped([row])
    ticket["record"] = effective_record(row["parsed"], row["corrections"]) if row["parsed"] else None
    ticket["parsed"] = row["parsed"]
    ticket["corrections"] = row["corrections"]
    return ticket


def _ticket(row: dict, segments: list[dict], business_tz) -> dict:
    client_id = row["sale_item__sale__client_id"]
    return {
        "id": row["id"],
        "status": row["status"],
        "missing_fields": row["missing_fields"],
        "error": row["error_message"],
        "attempts": row["attempts"],
        "document": row["document_id"],
        "position": row["position"],
        "ticket_number": row["ticket_number"],
        "pnr": row["pnr"],
        "passenger_name": row["passenger_name"],
        "passenger_document": row["passenger_document"],
        "airline": {"code": row["airline_code"], "name": row["airline_name"]},
        "issue_date": row["issue_date"].isoformat() if row["issue_date"] else None,
        "currency": row["currency_code"] or None,
        "fare": _amount(row["fare"]),
        "taxes_total": _amount(row["taxes_total"]),
        "total": _amount(row["total"]),
        "is_exchange": row["is_exchange"],
        "original_ticket_number": row["original_ticket_number"] or None,
        "duplicate_of": row["duplicate_of_id"],
        "replaces": row["replaces_id"],
        "client": (
            {
                "id": client_id,
                "name": row["sale_item__sale__client__name"],
                "document_type": row["sale_item__sale__client__document_type"],
                "document_number": row["sale_item__sale__client__document_number"],
            }
            if client_id
            else None
        ),
        "sale": {"id": row["sale_item__sale_id"], "status": row["sale_item__sale__status"]} if client_id else None,
        "sale_item": row["sale_item__id"],
        "segments": [_segment(segment) for segment in segments],
        "pdf_ready": bool(row["pdf"]),
        "created_at": row["created_at"].astimezone(business_tz).isoformat(),
        "parsed_at": row["parsed_at"].astimezone(business_tz).isoformat() if row["parsed_at"] else None,
    }


def _segment(segment: dict) -> dict:
    return {
        **{key: value or None for key, value in segment.items() if key != "departure_date"},
        "departure_date": segment["departure_date"].isoformat() if segment["departure_date"] else None,
    }


def _amount(value) -> str | None:
    # Tickets print two decimals; the column keeps four for every currency.
    return None if value is None else f"{value:.2f}"
