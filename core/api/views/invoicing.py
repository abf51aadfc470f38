"""Invoices: issue, void, download the PDF. Staff only."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.serializers import invoicing as serializers
from core.api.views.staff import StaffViewSet, path_id, pdf_download, validated_input
from core.models import Invoice
from core.services import invoicing


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
        data = validated_input(serializers.InvoiceCreateSerializer, request)
        invoice = invoicing.invoice_issue(sale_id=data["sale"], series_code=data["series"])
        return Response(self._detail(invoice.pk), status=status.HTTP_201_CREATED)

    @extend_schema(summary="Anular la factura", request=serializers.InvoiceVoidSerializer)
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        data = validated_input(serializers.InvoiceVoidSerializer, request)
        invoicing.invoice_void(invoice_id=path_id(pk), reason=data["reason"])
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
        return pdf_download(invoice.pdf, filename=f"{invoice.full_number}.pdf")

    def _detail(self, pk) -> dict:
        invoice = get_object_or_404(self.queryset.prefetch_related("lines"), pk=path_id(pk))
        return serializers.InvoiceDetailSerializer(invoice).data
