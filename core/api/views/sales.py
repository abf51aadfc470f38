"""Sales: draft, confirm, cancel, items and payments. Staff only."""

from django.db import transaction
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.pagination import LazyPageNumberPagination
from core.api.serializers import sales as serializers
from core.api.views.staff import StaffViewSet, path_id, validated_input
from core.exceptions import NotFound
from core.models import Payment, Sale
from core.selectors import sales as sale_selectors
from core.services import sales
from core.services.idempotency import idempotent_response


class SaleFilter(filters.FilterSet):
    # An id: a whole number a database column can hold (SQLite overflows past 64 bits).
    client = filters.NumberFilter(field_name="client_id", decimal_places=0, min_value=1, max_value=2**63 - 1)
    status = filters.ChoiceFilter(choices=Sale.Status.choices)
    currency = filters.CharFilter(field_name="currency__code", lookup_expr="iexact")
    date_from = filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    date_to = filters.DateFilter(field_name="created_at", lookup_expr="date__lte")

    class Meta:
        model = Sale
        fields = ["client", "status", "currency", "date_from", "date_to"]


@extend_schema_view(
    list=extend_schema(
        summary="Ventas con cliente, moneda, totales y número de ítems (los ítems, en el detalle)",
        responses=serializers.SaleOutputSerializer,
    ),
    retrieve=extend_schema(summary="Venta con ítems, pagos y facturas", responses=serializers.SaleDetailSerializer),
    create=extend_schema(
        summary="Crear una venta (borrador)",
        request=serializers.SaleCreateSerializer,
        responses={201: serializers.SaleDetailSerializer},
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
        data = validated_input(serializers.SaleCreateSerializer, request)
        # Shaped before the sale commits: an answer that cannot be made leaves no sale behind.
        with transaction.atomic():
            sale = sales.sale_create(
                client=data["client"],
                currency=data["currency"],
                notes=data["notes"],
                items=[sales.ItemSpec(**item) for item in data["items"]],
                created_by=request.user,
            )
            return Response(self._detail(sale.pk), status=status.HTTP_201_CREATED)

    @extend_schema(summary="Confirmar la venta", request=None, responses=serializers.SaleDetailSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        sales.sale_confirm(sale_id=path_id(pk))
        return Response(self._detail(pk))

    @extend_schema(summary="Anular la venta", request=None, responses=serializers.SaleDetailSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        sales.sale_cancel(sale_id=path_id(pk))
        return Response(self._detail(pk))

    @extend_schema(
        summary="Agregar un ítem (solo en borrador)",
        request=serializers.SaleItemInputSerializer,
        responses={201: serializers.SaleDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    def items(self, request, pk=None):
        item = validated_input(serializers.SaleItemInputSerializer, request)
        sales.sale_item_add(sale_id=path_id(pk), item=sales.ItemSpec(**item))
        return Response(self._detail(pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Quitar un ítem (solo en borrador)", request=None, responses={200: serializers.SaleDetailSerializer}
    )
    @action(detail=True, methods=["delete"], url_path=r"items/(?P<item_id>[0-9]+)")
    def remove_item(self, request, pk=None, item_id=None):
        sales.sale_item_remove(sale_id=path_id(pk), item_id=int(item_id))
        return Response(self._detail(pk))

    @extend_schema(
        summary="Registrar un pago",
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                location=OpenApiParameter.HEADER,
                description=(
                    "Hasta 200 caracteres. Repetir la petición con la misma clave durante 24 horas devuelve la "
                    "primera respuesta (Idempotent-Replayed: true); la misma clave con otro cuerpo es un 422."
                ),
            )
        ],
        request=serializers.PaymentInputSerializer,
        responses={201: serializers.PaymentSerializer},
    )
    @action(detail=True, methods=["post"])
    def payments(self, request, pk=None):
        return idempotent_response(request, lambda: self._pay(request, path_id(pk)))

    def _pay(self, request, sale_id: int) -> Response:
        data = validated_input(serializers.PaymentInputSerializer, request)
        payment = sales.payment_record(sale_id=sale_id, **data)
        payment = Payment.objects.select_related("sale__currency").get(pk=payment.pk)
        return Response(serializers.PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)

    def _detail(self, pk) -> dict:
        sale = sale_selectors.sale_detail(path_id(pk))
        if sale is None:
            raise NotFound()
        return sale
