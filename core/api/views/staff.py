"""What the agency's staff-only endpoints share."""

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext as _
from rest_framework import status, viewsets
from rest_framework.response import Response

from core.api.permissions import IsAgencyStaff

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


def validated_input(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def path_id(pk) -> int:
    """Path ids are digits by the URL pattern; anything else never gets here."""
    return int(pk)


def pdf_download(file: FieldFile, *, filename: str) -> HttpResponse:
    """The stored PDF, or a 202 telling the client to ask again while a worker makes it."""
    if not file:
        return Response(
            {"detail": _("El PDF se está generando."), "code": "pdf_pending"},
            status=status.HTTP_202_ACCEPTED,
            headers={"Retry-After": str(PDF_RETRY_AFTER_SECONDS)},
        )
    return FileResponse(file.open("rb"), content_type="application/pdf", filename=filename)
