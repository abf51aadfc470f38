"""Serializers for imported tickets. Lists and details are shaped by
core.selectors.tickets; these validate input and document the output."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.serializers.parties import ClientSummarySerializer
from core.models import ImportedTicket, Sale


class TicketUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        required=False,
        allow_empty_file=True,
        help_text="PDF, correo (.eml), HTML o texto; como máximo 10 MB. El tipo se lee del contenido.",
    )
    text = serializers.CharField(
        required=False, trim_whitespace=False, help_text="El texto del boleto pegado, en lugar de un archivo."
    )

    def validate(self, attrs):
        if ("file" in attrs) == ("text" in attrs):
            raise serializers.ValidationError({"file": [_("Envíe un archivo o un texto, no ambos ni ninguno.")]})
        return attrs


class TicketCorrectionSerializer(serializers.Serializer):
    corrections = serializers.DictField(
        help_text=(
            "Campos del registro (SCHEMA.md) con su valor correcto, p. ej. "
            '{"pnr": "ABC123", "fare": "120.00"}. Se suman a las correcciones anteriores.'
        )
    )


class TicketSegmentSerializer(serializers.Serializer):
    carrier = serializers.CharField(allow_null=True)
    flight_number = serializers.CharField(allow_null=True)
    origin = serializers.CharField(allow_null=True)
    origin_code = serializers.CharField(allow_null=True)
    destination = serializers.CharField(allow_null=True)
    destination_code = serializers.CharField(allow_null=True)
    departure_date = serializers.DateField(allow_null=True)
    departure_time = serializers.CharField(allow_null=True)
    arrival_time = serializers.CharField(allow_null=True)
    booking_class = serializers.CharField(allow_null=True)
    fare_basis = serializers.CharField(allow_null=True)
    baggage = serializers.CharField(allow_null=True)
    status = serializers.CharField(allow_null=True)


class TicketAirlineSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Código IATA; vacío si el boleto no lo trae.")
    name = serializers.CharField()


class TicketSaleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Sale.Status.choices)


class TicketOutputSerializer(serializers.Serializer):
    """Documents the shape of core.selectors.tickets in the schema."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ImportedTicket.Status.choices)
    missing_fields = serializers.ListField(
        child=serializers.CharField(),
        help_text="Campos que faltan en un boleto por revisar (needs_review); corríjalos para venderlo.",
    )
    error = serializers.CharField(help_text="Por qué falló la importación (o por qué no tiene ítem de venta).")
    attempts = serializers.IntegerField()
    document = serializers.IntegerField(help_text="El documento subido; varios boletos pueden compartirlo.")
    position = serializers.IntegerField()
    ticket_number = serializers.CharField()
    pnr = serializers.CharField()
    passenger_name = serializers.CharField()
    passenger_document = serializers.CharField()
    airline = TicketAirlineSerializer()
    issue_date = serializers.DateField(allow_null=True)
    currency = serializers.CharField(allow_null=True)
    fare = serializers.CharField(allow_null=True)
    taxes_total = serializers.CharField(allow_null=True)
    total = serializers.CharField(allow_null=True)
    is_exchange = serializers.BooleanField()
    original_ticket_number = serializers.CharField(allow_null=True)
    duplicate_of = serializers.IntegerField(allow_null=True, help_text="La primera importación de este número.")
    replaces = serializers.IntegerField(allow_null=True, help_text="El boleto que este canje reemplaza.")
    client = ClientSummarySerializer(allow_null=True, help_text="El cliente de la venta; nulo sin ítem de venta.")
    sale = TicketSaleSerializer(allow_null=True, help_text="La venta del ítem; nula sin ítem de venta.")
    sale_item = serializers.IntegerField(allow_null=True)
    segments = TicketSegmentSerializer(many=True)
    pdf_ready = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    parsed_at = serializers.DateTimeField(allow_null=True)


class TicketDetailSerializer(TicketOutputSerializer):
    record = serializers.DictField(allow_null=True, help_text="El registro vigente: lo leído más las correcciones.")
    parsed = serializers.DictField(allow_null=True, help_text="El registro tal como lo leyó el parser.")
    corrections = serializers.DictField()
