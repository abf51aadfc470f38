"""Clients, suppliers and products of the agency."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.serializers.fields import ActiveFlagField
from core.models import Airline, Client, Country, Product, Supplier


class ClientSerializer(serializers.ModelSerializer):
    country = serializers.SlugRelatedField(
        slug_field="code", queryset=Country.objects.all(), allow_null=True, required=False
    )

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


class ClientSummarySerializer(serializers.Serializer):
    """The client of a sale or of an imported ticket, as core.selectors shape it."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    document_type = serializers.ChoiceField(choices=Client.DocumentType.choices)
    document_number = serializers.CharField()


class SupplierSerializer(serializers.ModelSerializer):
    country = serializers.SlugRelatedField(
        slug_field="code", queryset=Country.objects.all(), allow_null=True, required=False
    )
    airline = serializers.SlugRelatedField(
        slug_field="iata_code", queryset=Airline.objects.filter(active=True), allow_null=True, required=False
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
        fields = ["id", "name", "kind", "sold_on", "supplier", "supplier_name", "default_tax_rate", "active"]
