"""The straightforward DRF forms of the sales and journal-entry lists, kept
as the baseline `python -m bench lists` measures ours against.

This is what the lists look like when written the usual way: nested
ModelSerializers over model instances, with select_related/prefetch_related
so the page costs a fixed number of queries (no N+1). Same pagination (50 per
page), permission (agency staff), authentication, filters and ordering as
`core.api.views.books`; the output carries the same fields as ours (amounts
as DRF renders a model DecimalField: the stored three decimals). Served only
by the bench's URLs (`bench.urls`), never by the project's."""

from rest_framework import generics, serializers

from core.api.pagination import PageNumberPagination
from core.api.permissions import IsAgencyStaff
from core.api.views.books import SaleFilter
from core.models import Account, Client, JournalEntry, JournalLine, Product, Sale, SaleItem


class ClientBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Client
        fields = ["id", "name", "document_type", "document_number"]


class ProductBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "name", "kind"]


class SaleItemSerializer(serializers.ModelSerializer):
    product = ProductBriefSerializer(read_only=True)

    class Meta:
        model = SaleItem
        fields = [
            "id",
            "product",
            "description",
            "quantity",
            "unit_price",
            "tax_rate",
            "subtotal",
            "tax_amount",
            "total",
        ]


class SaleSerializer(serializers.ModelSerializer):
    client = ClientBriefSerializer(read_only=True)
    currency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    balance_due = serializers.DecimalField(max_digits=16, decimal_places=3, read_only=True)
    items = SaleItemSerializer(many=True, read_only=True)

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
            "items",
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
    total = serializers.DecimalField(source="total_debit", max_digits=16, decimal_places=3, read_only=True)
    lines = JournalLineSerializer(many=True, read_only=True)

    class Meta:
        model = JournalEntry
        fields = ["id", "date", "description", "source", "source_id", "currency", "total", "posted_at", "lines"]


class BaselineSaleList(generics.ListAPIView):
    """GET /bench/baseline/ventas/: 5 queries a page (token, count, sales
    joined with client and currency, items, their products)."""

    permission_classes = [IsAgencyStaff]
    pagination_class = PageNumberPagination
    serializer_class = SaleSerializer
    filterset_class = SaleFilter
    queryset = (
        Sale.objects.select_related("client", "currency")
        .prefetch_related("items__product")
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
