"""Sales, their items and payments. Sale lists and details are shaped by
core.selectors.sales; these serializers validate input and document the shape."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.serializers.fields import (
    UNKNOWN_CLIENT,
    UNKNOWN_CURRENCY,
    UNKNOWN_PRODUCT,
    code_field,
    id_field,
    money,
)
from core.api.serializers.parties import ClientSummarySerializer
from core.models import Client, Currency, Invoice, Payment, Product, Sale
from core.money import format_amount


class SaleItemInputSerializer(serializers.Serializer):
    product = id_field(Product.objects.filter(active=True), does_not_exist=UNKNOWN_PRODUCT)
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
    client = id_field(Client.objects.all(), does_not_exist=UNKNOWN_CLIENT)
    currency = code_field(Currency.objects.filter(active=True), does_not_exist=UNKNOWN_CURRENCY)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    items = SaleItemInputSerializer(many=True, required=False, default=list)

    def validate_currency(self, currency: Currency) -> Currency:
        # A retired currency (VEF, VEB) is kept for the tickets that still print
        # it, which are sold in it on import; a new sale is priced in a current one.
        if currency.historic:
            raise serializers.ValidationError(
                _("%(code)s es una moneda retirada: solo la usan los boletos que aún la imprimen.")
                % {"code": currency.code}
            )
        return currency


class PaymentInputSerializer(serializers.Serializer):
    amount = money()
    method = serializers.ChoiceField(choices=Payment.Method.choices)
    paid_on = serializers.DateField()
    currency = code_field(Currency.objects.all(), does_not_exist=UNKNOWN_CURRENCY, required=False)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class PaymentSerializer(serializers.ModelSerializer):
    amount = serializers.SerializerMethodField()
    currency = serializers.CharField(source="currency_id", read_only=True)

    class Meta:
        model = Payment
        fields = ["id", "sale", "amount", "currency", "method", "paid_on", "reference", "created_at"]

    def get_amount(self, payment: Payment) -> str:
        return format_amount(payment.amount, payment.sale.currency.minor_units)


class SaleProductSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Product.Kind.choices)


class TaxByCodeSerializer(serializers.Serializer):
    code = serializers.CharField()
    amount = serializers.CharField()


class SaleItemOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    product = SaleProductSerializer()
    description = serializers.CharField()
    quantity = serializers.CharField()
    unit_price = serializers.CharField()
    tax_rate = serializers.CharField(help_text="Porcentaje.")
    subtotal = serializers.CharField()
    tax_amount = serializers.CharField(
        help_text="IGV del ítem; en un ítem por cuenta de terceros, sus tasas (las de la aerolínea)."
    )
    total = serializers.CharField()
    third_party = serializers.BooleanField(help_text="Cobrado por cuenta de terceros (un boleto aéreo): sin IGV.")
    taxes = TaxByCodeSerializer(many=True, help_text="Las tasas del boleto por código (YQ, AK, PE…).")


class SaleOutputSerializer(serializers.Serializer):
    """Documents the shape of a sale in core.selectors.sales's list (its
    totals and item count; the items are in the detail). Amounts are strings
    with the decimals of the sale's currency."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Sale.Status.choices)
    client = ClientSummarySerializer()
    currency = serializers.CharField()
    subtotal = serializers.CharField()
    tax_total = serializers.CharField(help_text="IGV.")
    total = serializers.CharField()
    taxable_total = serializers.CharField(help_text="Operaciones gravadas (con IGV).")
    exempt_total = serializers.CharField(help_text="Operaciones exoneradas o inafectas (propias, sin IGV).")
    third_party_total = serializers.CharField(help_text="Cobrado por cuenta de terceros (boletos: tarifa y tasas).")
    paid_total = serializers.CharField()
    balance_due = serializers.CharField()
    notes = serializers.CharField()
    created_at = serializers.DateTimeField()
    item_count = serializers.IntegerField(help_text="Ítems de la venta; la lista no los trae, el detalle sí.")


class SalePaymentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    amount = serializers.CharField()
    method = serializers.ChoiceField(choices=Payment.Method.choices)
    paid_on = serializers.DateField()
    reference = serializers.CharField()


class SaleInvoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=Invoice.Status.choices)


class SaleDetailSerializer(SaleOutputSerializer):
    """Documents core.selectors.sales.sale_detail: the sale with its items, payments and invoices."""

    items = SaleItemOutputSerializer(many=True)
    payments = SalePaymentSerializer(many=True)
    invoices = SaleInvoiceSerializer(many=True)
