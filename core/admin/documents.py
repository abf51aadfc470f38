"""Stored PDFs (invoices, ticket receipts) served to staff through the
admin: MEDIA_ROOT is not published (invoices are private), so a link to
/media/… would be a 404 for staff and an open door if it were published."""

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _


def stored_pdf_response(file: FieldFile, *, filename: str) -> FileResponse:
    """The PDF shown in the browser (inline), or a 404 when it was not made
    yet or its file is gone from the storage."""
    if not file or not file.storage.exists(file.name):
        raise Http404(_("El PDF no está disponible."))
    return FileResponse(file.open("rb"), content_type="application/pdf", filename=filename)
