"""Imported airline tickets: upload, follow, correct, retry, download the
receipt. Staff only."""

from django.db import transaction
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from core.api.pagination import LazyPageNumberPagination
from core.api.parsers import JSONParser
from core.api.serializers import tickets as serializers
from core.api.views.staff import StaffViewSet, pdf_download, validated_input
from core.exceptions import Conflict, NotFound
from core.models import ImportedTicket
from core.selectors import tickets as ticket_selectors
from core.services import ticket_import


class ImportedTicketFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ImportedTicket.Status.choices)
    airline = filters.CharFilter(field_name="airline_code", lookup_expr="iexact", help_text="Código IATA.")
    issued_from = filters.DateFilter(field_name="issue_date", lookup_expr="gte", help_text="Emitido desde.")
    issued_to = filters.DateFilter(field_name="issue_date", lookup_expr="lte", help_text="Emitido hasta.")
    passenger = filters.CharFilter(
        field_name="passenger_name", lookup_expr="istartswith", help_text="Comienzo del nombre (APELLIDO/NOMBRE)."
    )
    pnr = filters.CharFilter(field_name="pnr", lookup_expr="iexact")

    class Meta:
        model = ImportedTicket
        fields = ["status", "airline", "issued_from", "issued_to", "passenger", "pnr"]


@extend_schema_view(
    list=extend_schema(
        summary="Boletos importados con cliente, venta y tramos", responses=serializers.TicketOutputSerializer
    ),
    retrieve=extend_schema(
        summary="Boleto importado: registro vigente, leído y correcciones", responses=serializers.TicketDetailSerializer
    ),
    create=extend_schema(
        summary="Importar un boleto (archivo o texto pegado)",
        description=(
            "Guarda el documento y responde al instante con el boleto `pending`; un worker lo procesa "
            "(`processing` → `parsed` o `error`). Consulte el boleto hasta que cambie de estado."
        ),
        request={
            "multipart/form-data": serializers.TicketUploadSerializer,
            "application/json": serializers.TicketUploadSerializer,
        },
        responses={202: serializers.TicketDetailSerializer},
    ),
    partial_update=extend_schema(
        summary="Corregir campos de un boleto procesado",
        request=serializers.TicketCorrectionSerializer,
        responses=serializers.TicketDetailSerializer,
    ),
)
class ImportedTicketViewSet(StaffViewSet, mixins.ListModelMixin):
    queryset = ImportedTicket.objects.order_by("-created_at", "-id")
    filterset_class = ImportedTicketFilter
    serializer_class = serializers.TicketOutputSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    http_method_names = ["get", "post", "patch", "head", "options"]
    pagination_class = LazyPageNumberPagination

    def list(self, request, *args, **kwargs):
        # The count runs on the tickets alone; only the page's rows join their sale and client.
        page = self.paginator.paginate_queryset_lazily(self.filter_queryset(self.get_queryset()), request, view=self)
        return self.get_paginated_response(ticket_selectors.tickets_shaped(ticket_selectors.ticket_rows(page)))

    def retrieve(self, request, pk=None):
        return Response(self._detail(pk))

    def create(self, request):
        data = validated_input(serializers.TicketUploadSerializer, request)
        # The answer is read before the commit sends the task: a fast worker
        # would otherwise have claimed the row, and the answer say `processing`.
        with transaction.atomic():
            ticket = ticket_import.ticket_import_create(
                uploaded_by=request.user, file=data.get("file"), text=data.get("text")
            )
            body = self._detail(ticket.pk)
        return Response(body, status=status.HTTP_202_ACCEPTED)

    def partial_update(self, request, pk=None):
        data = validated_input(serializers.TicketCorrectionSerializer, request)
        ticket_import.ticket_correct(ticket_id=int(pk), corrections=data["corrections"])
        return Response(self._detail(pk))

    @extend_schema(
        summary="Reintentar una importación con error",
        request=None,
        responses={202: serializers.TicketDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        ticket_import.ticket_retry(ticket_id=int(pk))
        return Response(self._detail(pk), status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Descargar el recibo del boleto en PDF",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="El recibo del boleto."),
            202: OpenApiResponse(description="El PDF se está generando; reintente tras Retry-After segundos."),
        },
    )
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        ticket = ImportedTicket.objects.filter(pk=int(pk)).only("id", "status", "pdf", "ticket_number").first()
        if ticket is None:
            raise NotFound()
        if ticket.status == ImportedTicket.Status.ERROR:
            raise Conflict(_("La importación falló: el boleto no tiene recibo."), code="ticket_not_parsed")
        if ticket.status == ImportedTicket.Status.NEEDS_REVIEW:
            raise Conflict(
                _("El boleto está por revisar: tendrá recibo cuando se completen los campos que faltan."),
                code="ticket_needs_review",
            )
        return pdf_download(ticket.pdf, filename=f"boleto-{ticket.ticket_number or ticket.pk}.pdf")

    def _detail(self, pk) -> dict:
        ticket = ticket_selectors.ticket_detail(int(pk))
        if ticket is None:
            raise NotFound()
        return ticket
