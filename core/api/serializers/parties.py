"""Clients, suppliers and products of the agency."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.serializers.fields import UNKNOWN_AIRLINE, UNKNOWN_COUNTRY, ActiveFlagField, code_field
from core.models import Airline, Client, Country, Product, Supplier


class ClientSerializer(serializers.ModelSerializer):
    country = code_field(Country.objects.all(), does_not_exist=UNKNOWN_COUNTRY, allow_null=True, required=False)

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

    class Meta:
        model = Supplier
        fields = ["id", "name", "kind", "airline", "tax_id", "email", "phone", "country", "active"]

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
        fields = ["id", "name", "kind", "supplier", "supplier_name", "default_tax_rate", "active"]
