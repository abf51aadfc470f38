"""Imported airline e-tickets: the document staff uploaded or pasted, one row
per ticket it holds, and each ticket's flight segments."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.money import money_field


class TicketDocument(models.Model):
    """What staff gave us, kept as received: a file or pasted text."""

    file = models.FileField(_("archivo"), upload_to="tickets/%Y/%m/", blank=True)
    text = models.TextField(_("texto pegado"), blank=True)
    original_name = models.CharField(_("nombre del archivo"), max_length=255, blank=True)
    # Detected from the bytes, not taken from the upload's headers.
    content_type = models.CharField(_("tipo de contenido"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("tamaño (bytes)"), default=0)
    sha256 = models.CharField(max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("subido por"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recibido"), auto_now_add=True)

    class Meta:
        verbose_name = _("documento de boleto")
        verbose_name_plural = _("documentos de boletos")

    def __str__(self) -> str:
        return self.original_name or f"texto #{self.pk}"


class ImportedTicket(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pendiente")
        PROCESSING = "processing", _("Procesando")
        PARSED = "parsed", _("Procesado")
        # Read in part: the fields it is sure of are stored, the rest listed
        # in `missing_fields` for staff to complete with corrections.
        NEEDS_REVIEW = "needs_review", _("Por revisar")
        ERROR = "error", _("Error")

    document = models.ForeignKey(
        TicketDocument, verbose_name=_("documento"), on_delete=models.PROTECT, related_name="tickets"
    )
    # Which record of the document this row holds (a document may hold several tickets).
    position = models.PositiveSmallIntegerField(_("posición en el documento"), default=0)
    status = models.CharField(_("estado"), max_length=12, choices=Status.choices, default=Status.PENDING)
    # Fields of the effective record still missing (the parser's list, plus
    # fare, total and currency, without which the ticket cannot be sold).
    missing_fields = models.JSONField(_("campos faltantes"), default=list, blank=True)
    error_message = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("intentos"), default=0)
    # The parser's record, as SCHEMA.md defines it, and staff's corrections of
    # some of its fields; what the API shows is the record with the corrections on top.
    parsed = models.JSONField(_("datos leídos"), null=True, blank=True)
    corrections = models.JSONField(_("correcciones"), default=dict, blank=True)

    # Effective values of the fields lists filter and sort on.
    ticket_number = models.CharField(_("número de boleto"), max_length=13, blank=True)
    pnr = models.CharField(_("PNR"), max_length=12, blank=True)
    passenger_name = models.CharField(_("pasajero"), max_length=200, blank=True)
    passenger_document = models.CharField(_("documento del pasajero"), max_length=30, blank=True)
    airline_code = models.CharField(_("aerolínea (IATA)"), max_length=2, blank=True)
    airline_name = models.CharField(_("aerolínea"), max_length=200, blank=True)
    issue_date = models.DateField(_("fecha de emisión"), null=True, blank=True)
    currency_code = models.CharField(_("moneda"), max_length=3, blank=True)
    fare = money_field(_("tarifa"), null=True, blank=True, default=None)
    taxes_total = money_field(_("impuestos"), null=True, blank=True, default=None)
    total = money_field(_("total"), null=True, blank=True, default=None)
    is_exchange = models.BooleanField(_("canje o reemisión"), default=False)
    original_ticket_number = models.CharField(_("boleto original"), max_length=13, blank=True)

    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("repite el boleto"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repeats",
    )
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("reemplaza al boleto"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
    )
    pdf = models.FileField(_("PDF"), upload_to="tickets/receipts/%Y/%m/", blank=True)
    parsed_at = models.DateTimeField(_("procesado"), null=True, blank=True)
    created_at = models.DateTimeField(_("creado"), auto_now_add=True)
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)

    class Meta:
        verbose_name = _("boleto importado")
        verbose_name_plural = _("boletos importados")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One row per ticket number; a repeated import points at it instead.
            models.UniqueConstraint(
                fields=["ticket_number"],
                condition=~models.Q(ticket_number="") & models.Q(duplicate_of__isnull=True),
                name="imported_ticket_number_unique",
            ),
            models.UniqueConstraint(fields=["document", "position"], name="imported_ticket_document_position"),
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="ticket_newest"),
            models.Index(fields=["status", "-created_at"], name="ticket_status_newest"),
            models.Index(fields=["airline_code", "-issue_date"], name="ticket_airline_issued"),
            models.Index(fields=["pnr"], name="ticket_pnr"),
        ]

    def __str__(self) -> str:
        return self.ticket_number or f"boleto importado #{self.pk}"


class TicketSegment(models.Model):
    ticket = models.ForeignKey(
        ImportedTicket, verbose_name=_("boleto"), on_delete=models.CASCADE, related_name="segments"
    )
    position = models.PositiveSmallIntegerField(_("orden"), default=0)
    carrier = models.CharField(_("aerolínea"), max_length=2, blank=True)
    flight_number = models.CharField(_("vuelo"), max_length=5, blank=True)
    # "origen" is also a journal entry's source: the context tells them apart.
    origin = models.CharField(pgettext_lazy("flight segment", "origen"), max_length=60, blank=True)
    origin_code = models.CharField(_("código de origen"), max_length=3, blank=True)
    destination = models.CharField(_("destino"), max_length=60, blank=True)
    destination_code = models.CharField(_("código de destino"), max_length=3, blank=True)
    departure_date = models.DateField(_("fecha de salida"), null=True, blank=True)
    departure_time = models.CharField(_("hora de salida"), max_length=5, blank=True)
    arrival_time = models.CharField(_("hora de llegada"), max_length=5, blank=True)
    booking_class = models.CharField(_("clase"), max_length=1, blank=True)
    fare_basis = models.CharField(_("base tarifaria"), max_length=20, blank=True)
    baggage = models.CharField(_("equipaje"), max_length=10, blank=True)
    status = models.CharField(_("estado"), max_length=12, blank=True)

    class Meta:
        verbose_name = _("tramo")
        verbose_name_plural = _("tramos")
        ordering = ["ticket_id", "position"]

    def __str__(self) -> str:
        return f"{self.carrier}{self.flight_number} {self.origin}-{self.destination}"
