"""Invoices and their lines."""

from django.utils.translation import get_language
from rest_framework import serializers

from core.api.serializers.sales import TaxByCodeSerializer
from core.models import Invoice, InvoiceLine
from core.money import amount_in_words, currency_print_sign, format_amount


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
    taxable_total = serializers.SerializerMethodField(help_text="Operaciones gravadas (con IGV).")
    exempt_total = serializers.SerializerMethodField(help_text="Operaciones exoneradas o inafectas.")
    third_party_total = serializers.SerializerMethodField(help_text="Cobrado por cuenta de terceros.")
    currency_sign = serializers.SerializerMethodField(help_text="Cómo se imprime la moneda: S/, US$, €, o su código.")
    total_in_words = serializers.SerializerMethodField(help_text='"SON: … CON 00/100 SOLES", en el idioma pedido.')
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
            "taxable_total",
            "exempt_total",
            "third_party_total",
            "currency_sign",
            "total_in_words",
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

    def get_taxable_total(self, invoice: Invoice) -> str:
        return self._money(invoice, invoice.taxable_total)

    def get_exempt_total(self, invoice: Invoice) -> str:
        return self._money(invoice, invoice.exempt_total)

    def get_third_party_total(self, invoice: Invoice) -> str:
        return self._money(invoice, invoice.third_party_total)

    def get_currency_sign(self, invoice: Invoice) -> str:
        return currency_print_sign(invoice.currency.code)

    def get_total_in_words(self, invoice: Invoice) -> str:
        currency = invoice.currency
        return amount_in_words(
            invoice.total,
            currency_code=currency.code,
            currency_name=currency.name,
            minor_units=currency.minor_units,
            language=get_language() or "es",
        )

    def get_pdf_ready(self, invoice: Invoice) -> bool:
        return bool(invoice.pdf)


class InvoiceLineSerializer(serializers.ModelSerializer):
    quantity = serializers.CharField()
    unit_price = serializers.SerializerMethodField()
    tax_rate = serializers.CharField(help_text="Porcentaje.")
    tax_amount = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField()
    taxes = TaxByCodeSerializer(many=True, read_only=True)

    class Meta:
        model = InvoiceLine
        fields = ["description", "quantity", "unit_price", "tax_rate", "tax_amount", "total", "third_party", "taxes"]

    def _money(self, line: InvoiceLine, amount) -> str:
        # The invoice's related manager sets `line.invoice`: no query per line.
        return format_amount(amount, line.invoice.currency.minor_units)

    def get_unit_price(self, line: InvoiceLine) -> str:
        return self._money(line, line.unit_price)

    def get_tax_amount(self, line: InvoiceLine) -> str:
        return self._money(line, line.tax_amount)

    def get_total(self, line: InvoiceLine) -> str:
        return self._money(line, line.total)


class InvoiceDetailSerializer(InvoiceSerializer):
    lines = InvoiceLineSerializer(many=True, read_only=True)

    class Meta(InvoiceSerializer.Meta):
        fields = [*InvoiceSerializer.Meta.fields, "lines"]
