"""Invoices and their lines."""

from rest_framework import serializers

from core.models import Invoice
from core.money import format_amount


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
