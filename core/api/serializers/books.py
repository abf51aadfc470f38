"""Serializers for clients, suppliers, products, sales, invoices and journal
entries. Sale and entry lists and details are shaped by the selectors; these
serializers validate input (and document it in the schema)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.serializers.fields import ActiveFlagField
from core.models import Account, Airline, Client, Country, Currency, Invoice, Payment, Product, Sale, Supplier
from core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, format_amount


def money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, **kwargs)


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
    supplier_name = serializers.CharField(source="supplier.name", read_only=True, default=None)
    active = ActiveFlagField()

    class Meta:
        model = Product
        fields = ["id", "name", "kind", "supplier", "supplier_name", "default_tax_rate", "active"]


class SaleItemInputSerializer(serializers.Serializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.filter(active=True))
    description = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    quantity = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, default=1)
    unit_price = money(min_value=0)
    tax_rate = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False)
    tax_amount = money(min_value=0, required=False)

    def validate_quantity(self, value):
        if value <= 0:
            raise serializers.ValidationError(_("La cantidad debe ser mayor que cero."))
        return value


class SaleCreateSerializer(serializers.Serializer):
    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.all())
    currency = serializers.SlugRelatedField(slug_field="code", queryset=Currency.objects.filter(active=True))
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    items = SaleItemInputSerializer(many=True, required=False, default=list)


class PaymentInputSerializer(serializers.Serializer):
    amount = money()
    method = serializers.ChoiceField(choices=Payment.Method.choices)
    paid_on = serializers.DateField()
    currency = serializers.SlugRelatedField(slug_field="code", queryset=Currency.objects.all(), required=False)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class PaymentSerializer(serializers.ModelSerializer):
    amount = serializers.SerializerMethodField()
    currency = serializers.CharField(source="currency_id", read_only=True)

    class Meta:
        model = Payment
        fields = ["id", "sale", "amount", "currency", "method", "paid_on", "reference", "created_at"]

    def get_amount(self, payment: Payment) -> str:
        return format_amount(payment.amount, payment.sale.currency.minor_units)


class SaleOutputSerializer(serializers.Serializer):
    """Documents the shape of core.selectors.sales in the schema."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Sale.Status.choices)
    client = serializers.DictField()
    currency = serializers.CharField()
    subtotal = serializers.CharField()
    tax_total = serializers.CharField()
    total = serializers.CharField()
    paid_total = serializers.CharField()
    balance_due = serializers.CharField()
    notes = serializers.CharField()
    created_at = serializers.DateTimeField()
    items = serializers.ListField(child=serializers.DictField())


class InvoiceCreateSerializer(serializers.Serializer):
    sale = serializers.IntegerField(min_value=1)
    series = serializers.CharField(max_length=8)


class InvoiceVoidSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=250)


class InvoiceSerializer(serializers.ModelSerializer):
    number = serializers.CharField(source="full_number", read_only=True)
    currency = serializers.CharField(source="currency_id", read_only=True)
    subtotal = serializers.SerializerMethodField()
    tax_total = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField()
    pdf_ready = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "sale",
            "client",
            "client_name",
            "client_document_type",
            "client_document_number",
            "client_address",
            "currency",
            "subtotal",
            "tax_total",
            "total",
            "status",
            "issued_at",
            "voided_at",
            "void_reason",
            "pdf_ready",
        ]

    def _money(self, invoice: Invoice, amount) -> str:
        return format_amount(amount, invoice.currency.minor_units)

    def get_subtotal(self, invoice: Invoice) -> str:
        return self._money(invoice, invoice.subtotal)

    def get_tax_total(self, invoice: Invoice) -> str:
        return self._money(invoice, invoice.tax_total)

    def get_total(self, invoice: Invoice) -> str:
        return self._money(invoice, invoice.total)

    def get_pdf_ready(self, invoice: Invoice) -> bool:
        return bool(invoice.pdf)


class InvoiceDetailSerializer(InvoiceSerializer):
    lines = serializers.SerializerMethodField()

    class Meta(InvoiceSerializer.Meta):
        fields = [*InvoiceSerializer.Meta.fields, "lines"]

    def get_lines(self, invoice: Invoice) -> list[dict]:
        minor_units = invoice.currency.minor_units
        return [
            {
                "description": line.description,
                "quantity": str(line.quantity),
                "unit_price": format_amount(line.unit_price, minor_units),
                "tax_rate": str(line.tax_rate),
                "tax_amount": format_amount(line.tax_amount, minor_units),
                "total": format_amount(line.total, minor_units),
            }
            for line in invoice.lines.all()
        ]


class AccountSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(
        slug_field="code", queryset=Account.objects.all(), allow_null=True, required=False
    )
    active = ActiveFlagField()

    class Meta:
        model = Account
        fields = ["id", "code", "name", "type", "parent", "active"]


class JournalLineInputSerializer(serializers.Serializer):
    account = serializers.SlugRelatedField(slug_field="code", queryset=Account.objects.filter(active=True))
    debit = money(min_value=0, default=0)
    credit = money(min_value=0, default=0)


class JournalEntryCreateSerializer(serializers.Serializer):
    date = serializers.DateField()
    description = serializers.CharField(max_length=250)
    currency = serializers.SlugRelatedField(slug_field="code", queryset=Currency.objects.all())
    lines = JournalLineInputSerializer(many=True, allow_empty=False)


class JournalEntryOutputSerializer(serializers.Serializer):
    """Documents the shape of core.selectors.accounting in the schema."""

    id = serializers.IntegerField()
    date = serializers.DateField()
    description = serializers.CharField()
    source = serializers.CharField()
    source_id = serializers.IntegerField(allow_null=True)
    currency = serializers.CharField()
    total = serializers.CharField()
    posted_at = serializers.DateTimeField()
    lines = serializers.ListField(child=serializers.DictField())


class TrialBalanceQuerySerializer(serializers.Serializer):
    desde = serializers.DateField(help_text="Primer día del periodo (AAAA-MM-DD).")
    hasta = serializers.DateField(help_text="Último día del periodo (AAAA-MM-DD).")

    def validate(self, attrs):
        if attrs["desde"] > attrs["hasta"]:
            raise serializers.ValidationError({"hasta": [_("'hasta' no puede ser anterior a 'desde'.")]})
        return attrs


class TrialBalanceRowSerializer(serializers.Serializer):
    account = serializers.CharField()
    account_name = serializers.CharField()
    account_type = serializers.CharField()
    currency = serializers.CharField()
    debit = serializers.CharField()
    credit = serializers.CharField()
    balance = serializers.CharField()
