"""Clients, suppliers and products of the agency."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.serializers.fields import UNKNOWN_AIRLINE, UNKNOWN_COUNTRY, ActiveFlagField, code_field
from core.models import Airline, Client, Country, Product, Supplier
from core.party_details import document_number_clean, email_clean, phone_clean


def _contact_fields():
    """E-mail and phone as text: party_details says what is wrong with them
    (DRF's EmailField would only say "not valid")."""
    return (
        serializers.CharField(
            required=False, allow_blank=True, max_length=254, help_text="Correo electrónico (nombre@dominio.com)."
        ),
        serializers.CharField(
            required=False,
            allow_blank=True,
            max_length=30,
            help_text="Teléfono; sin prefijo +, del país de la ficha (o del Perú). Se guarda en E.164 (+51987654321).",
        ),
    )


def _details_clean(attrs: dict, instance, *, document_field: str, document_type) -> dict:
    """The document number, phone and e-mail checked and in canonical form,
    each against the party's country (sent now or stored); every wrong one is
    reported under its field at once. Before the uniqueness check, so that
    "4587 1236" and "45871236" are one DNI."""

    def current(field):
        return attrs[field] if field in attrs else getattr(instance, field, None)

    country = current("country")
    country_code = country.code if country else None
    checks = {
        document_field: lambda value: document_number_clean(document_type(current), value, country=country_code),
        "phone": lambda value: phone_clean(value, country=country_code),
        "email": email_clean,
    }
    errors = {}
    for field, clean in checks.items():
        # A changed type or country may make the stored number wrong: check it again.
        if field in attrs or (field == document_field and {"document_type", "country"} & attrs.keys()):
            value = current(field)
            if not value and field != "document_number":
                continue
            try:
                attrs[field] = clean(value or "")
            except ValidationError as wrong:
                errors[field] = wrong.messages
    if errors:
        raise serializers.ValidationError(errors)
    return attrs


class ClientSerializer(serializers.ModelSerializer):
    country = code_field(Country.objects.all(), does_not_exist=UNKNOWN_COUNTRY, allow_null=True, required=False)
    email, phone = _contact_fields()

    class Meta:
        model = Client
        fields = [
            "id",
            "kind",
            "name",
            "document_type",
            "document_number",
            "email",
            "phone",
            "address",
            "country",
            "preferred_language",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        # DRF's own check of the (document_type, document_number) constraint
        # says only that the fields "deben formar un conjunto único";
        # validate() names the document instead.
        validators = []

    def validate(self, attrs):
        document_type = attrs.get("document_type", getattr(self.instance, "document_type", None))
        document_number = attrs.get("document_number", getattr(self.instance, "document_number", None))
        others = Client.objects.filter(document_type=document_type, document_number=document_number)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError(
                {
                    "document_number": [
                        _("Ya hay un cliente con el documento %(type)s %(number)s; búsquelo en lugar de crearlo.")
                        % {"type": Client.DocumentType(document_type).label, "number": document_number}
                    ]
                }
            )
        return attrs

    def to_internal_value(self, data):
        return _details_clean(
            super().to_internal_value(data),
            self.instance,
            document_field="document_number",
            document_type=lambda current: current("document_type"),
        )


class ClientSummarySerializer(serializers.Serializer):
    """The client of a sale or of an imported ticket, as core.selectors shape it."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    document_type = serializers.ChoiceField(choices=Client.DocumentType.choices)
    document_number = serializers.CharField()


class SupplierSerializer(serializers.ModelSerializer):
    country = code_field(Country.objects.all(), does_not_exist=UNKNOWN_COUNTRY, allow_null=True, required=False)
    airline = code_field(
        Airline.objects.filter(active=True),
        slug_field="iata_code",
        does_not_exist=UNKNOWN_AIRLINE,
        allow_null=True,
        required=False,
    )
    active = ActiveFlagField()
    email, phone = _contact_fields()

    class Meta:
        model = Supplier
        fields = ["id", "name", "kind", "airline", "tax_id", "email", "phone", "country", "active"]

    def to_internal_value(self, data):
        # A supplier's tax ID is a RUC in Peru, its country's own elsewhere.
        return _details_clean(
            super().to_internal_value(data),
            self.instance,
            document_field="tax_id",
            document_type=lambda current: "ruc" if current("country") and current("country").code == "PE" else "tax_id",
        )

    def validate(self, attrs):
        kind = attrs.get("kind", self.instance.kind if self.instance else None)
        airline = attrs.get("airline", self.instance.airline if self.instance else None)
        if airline is not None and kind != Supplier.Kind.AIRLINE:
            raise serializers.ValidationError(
                {"airline": [_("Solo un proveedor de tipo aerolínea se vincula a una aerolínea.")]}
            )
        return attrs


class ProductSerializer(serializers.ModelSerializer):
    # allow_null, not default=None: DRF skips a field's default in partial
    # updates, so a PATCH answer would lack the key.
    supplier_name = serializers.CharField(source="supplier.name", read_only=True, allow_null=True)
    active = ActiveFlagField()

    class Meta:
        model = Product
        fields = ["id", "name", "kind", "sold_on", "supplier", "supplier_name", "default_tax_rate", "active"]
