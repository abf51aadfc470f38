"""The agency's books: clients, suppliers, products, sales, invoices and
accounting. Staff only."""

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import SearchFilter
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.pagination import LazyPageNumberPagination
from core.api.permissions import IsAgencyStaff
from core.api.serializers import books as serializers
from core.exceptions import NotFound
from core.models import Account, Client, Invoice, JournalEntry, Payment, Product, Sale, Supplier
from core.selectors import accounting as accounting_selectors
from core.selectors import sales as sale_selectors
from core.services import accounting, invoicing, sales

# While the PDF is being made, clients are told to ask again after this many seconds.
PDF_RETRY_AFTER_SECONDS = 2


class StaffViewSet(viewsets.GenericViewSet):
    permission_classes = [IsAgencyStaff]
    lookup_value_regex = "[0-9]+"

    def filter_queryset(self, queryset):
        # Building the filter set costs more than the query it would not change.
        if not set(self.request.query_params) - {"page", "page_size", "format"}:
            return queryset
        return super().filter_queryset(queryset)


@extend_schema_view(list=extend_schema(summary="Clientes (búsqueda por nombre o documento)"))
class ClientViewSet(StaffViewSet, viewsets.ModelViewSet):
    queryset = Client.objects.select_related("country").order_by("name", "id")
    serializer_class = serializers.ClientSerializer
    filter_backends = [filters.DjangoFilterBackend, SearchFilter]
    filterset_fields = ["kind", "document_type", "preferred_language"]
    search_fields = ["name", "document_number", "email"]


@extend_schema_view(list=extend_schema(summary="Proveedores"))
class SupplierViewSet(StaffViewSet, viewsets.ModelViewSet):
    queryset = Supplier.objects.select_related("country", "airline").order_by("name", "id")
    serializer_class = serializers.SupplierSerializer
    filter_backends = [filters.DjangoFilterBackend, SearchFilter]
    filterset_fields = ["kind", "active"]
    search_fields = ["name", "tax_id"]


@extend_schema_view(list=extend_schema(summary="Productos y servicios"))
class ProductViewSet(StaffViewSet, viewsets.ModelViewSet):
    queryset = Product.objects.select_related("supplier").order_by("name", "id")
    serializer_class = serializers.ProductSerializer
    filter_backends = [filters.DjangoFilterBackend, SearchFilter]
    filterset_fields = ["kind", "supplier", "active"]
    search_fields = ["name"]


class SaleFilter(filters.FilterSet):
    client = filters.NumberFilter(field_name="client_id")
    status = filters.ChoiceFilter(choices=Sale.Status.choices)
    currency = filters.CharFilter(field_name="currency__code", lookup_expr="iexact")
    date_from = filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    date_to = filters.DateFilter(field_name="created_at", lookup_expr="date__lte")

    class Meta:
        model = Sale
        fields = ["client", "status", "currency", "date_from", "date_to"]


@extend_schema_view(
    list=extend_schema(summary="Ventas con cliente, moneda e ítems", responses=serializers.SaleOutputSerializer),
    retrieve=extend_schema(summary="Venta con ítems, pagos y facturas", responses=serializers.SaleOutputSerializer),
    create=extend_schema(
        summary="Crear una venta (borrador)",
        request=serializers.SaleCreateSerializer,
        responses={201: serializers.SaleOutputSerializer},
    ),
)
class SaleViewSet(StaffViewSet, mixins.ListModelMixin):
    queryset = Sale.objects.order_by("-created_at", "-id")
    filterset_class = SaleFilter
    serializer_class = serializers.SaleOutputSerializer
    pagination_class = LazyPageNumberPagination

    def list(self, request, *args, **kwargs):
        # The count runs on the sales alone; the page's rows then join their client and currency.
        page = self.paginator.paginate_queryset_lazily(self.filter_queryset(self.get_queryset()), request, view=self)
        return self.get_paginated_response(sale_selectors.sales_shaped(sale_selectors.sale_rows(page)))

    def retrieve(self, request, pk=None):
        return Response(self._detail(pk))

    def create(self, request):
        data = _valid(serializers.SaleCreateSerializer, request)
        sale = sales.sale_create(
            client=data["client"],
            currency=data["currency"],
            notes=data["notes"],
            items=[sales.ItemSpec(**item) for item in data["items"]],
            created_by=request.user,
        )
        return Response(self._detail(sale.pk), status=status.HTTP_201_CREATED)

    @extend_schema(summary="Confirmar la venta", request=None, responses=serializers.SaleOutputSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        sales.sale_confirm(sale_id=_id(pk))
        return Response(self._detail(pk))

    @extend_schema(summary="Anular la venta", request=None, responses=serializers.SaleOutputSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        sales.sale_cancel(sale_id=_id(pk))
        return Response(self._detail(pk))

    @extend_schema(
        summary="Agregar un ítem (solo en borrador)",
        request=serializers.SaleItemInputSerializer,
        responses={201: serializers.SaleOutputSerializer},
    )
    @action(detail=True, methods=["post"])
    def items(self, request, pk=None):
        item = _valid(serializers.SaleItemInputSerializer, request)
        sales.sale_item_add(sale_id=_id(pk), item=sales.ItemSpec(**item))
        return Response(self._detail(pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Quitar un ítem (solo en borrador)", request=None, responses=serializers.SaleOutputSerializer
    )
    @action(detail=True, methods=["delete"], url_path=r"items/(?P<item_id>[0-9]+)")
    def remove_item(self, request, pk=None, item_id=None):
        sales.sale_item_remove(sale_id=_id(pk), item_id=int(item_id))
        return Response(self._detail(pk))

    @extend_schema(
        summary="Registrar un pago",
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                location=OpenApiParameter.HEADER,
                description="Repetir la petición con la misma clave devuelve el primer pago.",
            )
        ],
        request=serializers.PaymentInputSerializer,
        responses={201: serializers.PaymentSerializer, 200: serializers.PaymentSerializer},
    )
    @action(detail=True, methods=["post"])
    def payments(self, request, pk=None):
        data = _valid(serializers.PaymentInputSerializer, request)
        payment, created = sales.payment_record(
            sale_id=_id(pk),
            idempotency_key=request.headers.get("Idempotency-Key", "")[:100],
            **data,
        )
        payment = Payment.objects.select_related("sale__currency").get(pk=payment.pk)
        return Response(
            serializers.PaymentSerializer(payment).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def _detail(self, pk) -> dict:
        sale = sale_selectors.sale_detail(_id(pk))
        if sale is None:
            raise NotFound()
        return sale


@extend_schema_view(
    list=extend_schema(summary="Facturas"),
    retrieve=extend_schema(summary="Factura con sus líneas", responses=serializers.InvoiceDetailSerializer),
    create=extend_schema(
        summary="Emitir la factura de una venta confirmada",
        request=serializers.InvoiceCreateSerializer,
        responses={201: serializers.InvoiceDetailSerializer},
    ),
)
class InvoiceViewSet(StaffViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    queryset = Invoice.objects.select_related("series", "currency").order_by("-issued_at", "-id")
    serializer_class = serializers.InvoiceSerializer
    filterset_fields = ["status", "client", "sale"]

    def get_serializer_class(self):
        if self.action == "list":
            return serializers.InvoiceSerializer
        return serializers.InvoiceDetailSerializer

    def get_queryset(self):
        if self.action == "list":
            return self.queryset
        return self.queryset.prefetch_related("lines")

    def create(self, request):
        data = _valid(serializers.InvoiceCreateSerializer, request)
        invoice = invoicing.invoice_issue(sale_id=data["sale"], series_code=data["series"])
        return Response(self._detail(invoice.pk), status=status.HTTP_201_CREATED)

    @extend_schema(summary="Anular la factura", request=serializers.InvoiceVoidSerializer)
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        data = _valid(serializers.InvoiceVoidSerializer, request)
        invoicing.invoice_void(invoice_id=_id(pk), reason=data["reason"])
        return Response(self._detail(pk))

    @extend_schema(
        summary="Descargar el PDF",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="El PDF de la factura."),
            202: OpenApiResponse(description="El PDF se está generando; reintente tras Retry-After segundos."),
        },
    )
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        invoice = self.get_object()
        if not invoice.pdf:
            return Response(
                {"detail": "El PDF se está generando.", "code": "pdf_pending"},
                status=status.HTTP_202_ACCEPTED,
                headers={"Retry-After": str(PDF_RETRY_AFTER_SECONDS)},
            )
        return FileResponse(
            invoice.pdf.open("rb"), content_type="application/pdf", filename=f"{invoice.full_number}.pdf"
        )

    def _detail(self, pk) -> dict:
        invoice = get_object_or_404(self.queryset.prefetch_related("lines"), pk=_id(pk))
        return serializers.InvoiceDetailSerializer(invoice).data


@extend_schema_view(list=extend_schema(summary="Plan de cuentas"))
class AccountViewSet(StaffViewSet, viewsets.ModelViewSet):
    queryset = Account.objects.select_related("parent").order_by("code")
    serializer_class = serializers.AccountSerializer
    pagination_class = None
    filterset_fields = ["type", "active"]


@extend_schema_view(
    list=extend_schema(summary="Asientos con sus líneas", responses=serializers.JournalEntryOutputSerializer),
    retrieve=extend_schema(summary="Asiento con sus líneas", responses=serializers.JournalEntryOutputSerializer),
    create=extend_schema(
        summary="Registrar un asiento manual (debe = haber)",
        request=serializers.JournalEntryCreateSerializer,
        responses={201: serializers.JournalEntryOutputSerializer},
    ),
)
class JournalEntryViewSet(StaffViewSet, mixins.ListModelMixin):
    queryset = JournalEntry.objects.order_by("-date", "-id")
    serializer_class = serializers.JournalEntryOutputSerializer
    pagination_class = LazyPageNumberPagination
    filterset_fields = ["source", "date"]

    def list(self, request, *args, **kwargs):
        page = self.paginator.paginate_queryset_lazily(self.filter_queryset(self.get_queryset()), request, view=self)
        return self.get_paginated_response(accounting_selectors.entries_with_lines(page))

    def retrieve(self, request, pk=None):
        return Response(self._detail(pk))

    def create(self, request):
        data = _valid(serializers.JournalEntryCreateSerializer, request)
        entry = accounting.journal_entry_post(
            date=data["date"],
            description=data["description"],
            currency=data["currency"],
            lines=[
                accounting.LineSpec(line["account"].code, debit=line["debit"], credit=line["credit"])
                for line in data["lines"]
            ],
        )
        return Response(self._detail(entry.pk), status=status.HTTP_201_CREATED)

    def _detail(self, pk) -> dict:
        entries = accounting_selectors.entries_with_lines(JournalEntry.objects.filter(pk=_id(pk)))
        if not entries:
            raise NotFound()
        return entries[0]


class TrialBalanceView(APIView):
    permission_classes = [IsAgencyStaff]

    @extend_schema(
        summary="Balance de comprobación del periodo",
        parameters=[serializers.TrialBalanceQuerySerializer],
        responses=serializers.TrialBalanceRowSerializer(many=True),
    )
    def get(self, request):
        query = serializers.TrialBalanceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = accounting_selectors.trial_balance(
            date_from=query.validated_data["desde"], date_to=query.validated_data["hasta"]
        )
        return Response({"desde": query.validated_data["desde"], "hasta": query.validated_data["hasta"], "rows": rows})


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _id(pk) -> int:
    """Path ids are digits by the URL pattern; anything else never gets here."""
    return int(pk)
