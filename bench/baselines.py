"""The straightforward DRF forms of the sales, journal-entry and
imported-ticket lists, kept as the baseline `python -m bench lists` measures
ours against.

This is what the lists look like when written the usual way: nested
ModelSerializers over model instances, with select_related/prefetch_related
so the page costs a fixed number of queries (no N+1). Same pagination (50 per
page), permission (agency staff), authentication, filters and ordering as
`core.api.views.sales` and `core.api.views.tickets`; the output carries the same fields as ours (amounts
as DRF renders a model DecimalField: the stored four decimals). Served only
by the bench's URLs (`bench.urls`), never by the project's."""

from django.db.models import Count
from rest_framework import generics, serializers

from core.api.pagination import PageNumberPagination
from core.api.permissions import IsAgencyStaff
from core.api.views.sales import SaleFilter
from core.api.views.tickets import ImportedTicketFilter
from core.models import (
    Account,
    Client,
    ImportedTicket,
    JournalEntry,
    JournalLine,
    Sale,
    TicketSegment,
)
from core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS


class ClientBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Client
        fields = ["id", "name", "document_type", "document_number"]


class SaleSerializer(serializers.ModelSerializer):
    client = ClientBriefSerializer(read_only=True)
    currency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    balance_due = serializers.DecimalField(
        max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, read_only=True
    )
    item_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Sale
        fields = [
            "id",
            "status",
            "client",
            "currency",
            "subtotal",
            "tax_total",
            "total",
            "paid_total",
            "balance_due",
            "notes",
            "created_at",
            "item_count",
        ]


class AccountBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Account
        fields = ["code", "name"]


class JournalLineSerializer(serializers.ModelSerializer):
    account = AccountBriefSerializer(read_only=True)
    # The entry is the prefetched instance (with its currency): no query.
    currency = serializers.CharField(source="entry.currency.code", read_only=True)

    class Meta:
        model = JournalLine
        fields = ["account", "debit", "credit", "currency"]


class JournalEntrySerializer(serializers.ModelSerializer):
    currency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    total = serializers.DecimalField(
        source="total_debit", max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, read_only=True
    )
    lines = JournalLineSerializer(many=True, read_only=True)

    class Meta:
        model = JournalEntry
        fields = ["id", "date", "description", "source", "source_id", "currency", "total", "posted_at", "lines"]


class BaselineSaleList(generics.ListAPIView):
    """GET /bench/baseline/ventas/: 3 queries a page (token, count, sales
    joined with client and currency and counting their items)."""

    permission_classes = [IsAgencyStaff]
    pagination_class = PageNumberPagination
    serializer_class = SaleSerializer
    filterset_class = SaleFilter
    queryset = (
        Sale.objects.select_related("client", "currency")
        .annotate(item_count=Count("items"))
        .order_by("-created_at", "-id")
    )


class BaselineJournalEntryList(generics.ListAPIView):
    """GET /bench/baseline/asientos-contables/: 5 queries a page (token,
    count, entries joined with currency, lines, their accounts)."""

    permission_classes = [IsAgencyStaff]
    pagination_class = PageNumberPagination
    serializer_class = JournalEntrySerializer
    filterset_fields = ["source", "date"]
    queryset = (
        JournalEntry.objects.select_related("currency").prefetch_related("lines__account").order_by("-date", "-id")
    )


class TicketSegmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = TicketSegment
        fields = [
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
        ]


class SaleBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Sale
        fields = ["id", "status"]


class ImportedTicketSerializer(serializers.ModelSerializer):
    error = serializers.CharField(source="error_message", read_only=True)
    airline = serializers.SerializerMethodField()
    currency = serializers.CharField(source="currency_code", read_only=True)
    # Through the reverse one-to-one: None when the ticket has no sale item.
    client = ClientBriefSerializer(source="sale_item.sale.client", read_only=True)
    sale = SaleBriefSerializer(source="sale_item.sale", read_only=True)
    sale_item = serializers.IntegerField(source="sale_item.id", read_only=True)
    segments = TicketSegmentSerializer(many=True, read_only=True)
    pdf_ready = serializers.SerializerMethodField()

    class Meta:
        model = ImportedTicket
        fields = [
            "id",
            "status",
            "error",
            "attempts",
            "document",
            "position",
            "ticket_number",
            "pnr",
            "passenger_name",
            "passenger_document",
            "airline",
            "issue_date",
            "currency",
            "fare",
            "taxes_total",
            "total",
            "is_exchange",
            "original_ticket_number",
            "duplicate_of",
            "replaces",
            "client",
            "sale",
            "sale_item",
            "segments",
            "pdf_ready",
            "created_at",
            "parsed_at",
        ]

    def get_airline(self, ticket: ImportedTicket) -> dict:
        return {"code": ticket.airline_code, "name": ticket.airline_name}

    def get_pdf_ready(self, ticket: ImportedTicket) -> bool:
        return bool(ticket.pdf)


class BaselineImportedTicketList(generics.ListAPIView):
    """GET /bench/baseline/boletos-importados/: 4 queries a page (token,
    count, tickets joined with their sale item, sale and client, segments)."""

    permission_classes = [IsAgencyStaff]
    pagination_class = PageNumberPagination
    serializer_class = ImportedTicketSerializer
    filterset_class = ImportedTicketFilter
    queryset = (
        ImportedTicket.objects.select_related("sale_item__sale__client")
        .prefetch_related("segments")
        .order_by("-created_at", "-id")
    )
