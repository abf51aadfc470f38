"""The chart of accounts, journal entries and the trial balance. Staff only."""

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.pagination import LazyPageNumberPagination
from core.api.permissions import IsAgencyStaff
from core.api.serializers import accounting as serializers
from core.api.views.staff import StaffViewSet, path_id, validated_input
from core.exceptions import NotFound
from core.models import Account, JournalEntry
from core.selectors import accounting as accounting_selectors
from core.services import accounting


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
        data = validated_input(serializers.JournalEntryCreateSerializer, request)
        # The answer is shaped before the entry commits: if it cannot be, no entry is left for a retry to repeat.
        with transaction.atomic():
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
        entries = accounting_selectors.entries_with_lines(JournalEntry.objects.filter(pk=path_id(pk)))
        if not entries:
            raise NotFound()
        return entries[0]


class TrialBalanceView(APIView):
    permission_classes = [IsAgencyStaff]

    @extend_schema(
        summary="Balance de comprobación del periodo",
        parameters=[
            OpenApiParameter("date_from", OpenApiTypes.DATE, required=True, description="First day of the period."),
            OpenApiParameter("date_to", OpenApiTypes.DATE, required=True, description="Last day of the period."),
            OpenApiParameter("desde", OpenApiTypes.DATE, deprecated=True, description="Old name of date_from."),
            OpenApiParameter("hasta", OpenApiTypes.DATE, deprecated=True, description="Old name of date_to."),
        ],
        responses=serializers.TrialBalanceSerializer,
    )
    def get(self, request):
        query = serializers.TrialBalanceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        date_from, date_to = query.validated_data["date_from"], query.validated_data["date_to"]
        rows = accounting_selectors.trial_balance(date_from=date_from, date_to=date_to)
        # desde/hasta: the old keys, kept for one release like the old parameters.
        return Response(
            {"date_from": date_from, "date_to": date_to, "desde": date_from, "hasta": date_to, "rows": rows}
        )
