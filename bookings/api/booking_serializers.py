"""Serializers of bookings and their payments. What a client sends is
checked here (an unknown field, like a price, is refused by name: prices are
the server's); the rules are in bookings.services."""

from django.utils.translation import gettext as _
from rest_framework import serializers

from bookings.api.serializers import HostSerializer
from bookings.models import Booking, BookingPayment
from core.api.serializers.fields import AmountField
from core.money import format_amount

MAX_MESSAGE = 2000
MAX_GUESTS = 100


class StrictInputSerializer(serializers.Serializer):
    """Refuses fields it does not declare, naming each (a `total` or a
    `price` in the body is a mistake to report, not to ignore)."""

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: [_("Campo no admitido.")] for name in unknown})
        return super().to_internal_value(data)


class BookingCreateSerializer(StrictInputSerializer):
    listing = serializers.IntegerField(min_value=1)
    check_in = serializers.DateField()
    check_out = serializers.DateField()
    guests = serializers.IntegerField(min_value=1, max_value=MAX_GUESTS)
    message = serializers.CharField(max_length=MAX_MESSAGE, required=False, allow_blank=True, default="")


class PayInputSerializer(StrictInputSerializer):
    payment_method = serializers.CharField(
        max_length=200, help_text="Token del medio de pago (del formulario del proveedor)."
    )


class ListingSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class BookedNightSerializer(serializers.Serializer):
    date = serializers.DateField()
    price = serializers.CharField()


class BookingSerializer(serializers.ModelSerializer):
    listing = ListingSummarySerializer(read_only=True)
    guest = HostSerializer(read_only=True)
    host = HostSerializer(read_only=True)
    currency = serializers.CharField(source="currency.code", read_only=True)
    nights = BookedNightSerializer(many=True, read_only=True)
    subtotal = AmountField()
    cleaning_fee = AmountField()
    service_fee = AmountField()
    taxes = AmountField()
    total = AmountField()
    refunded = AmountField()

    class Meta:
        model = Booking
        fields = [
            "id",
            "listing",
            "guest",
            "host",
            "check_in",
            "check_out",
            "guests",
            "message",
            "status",
            "currency",
            "nights",
            "subtotal",
            "cleaning_fee",
            "service_fee",
            "taxes",
            "total",
            "refunded",
            "cancellation_policy",
            "payment_deadline",
            "created_at",
            "confirmed_at",
            "ended_at",
        ]


class CancellationQuoteSerializer(serializers.Serializer):
    """A CancellationQuote, its amounts in the booking's currency (context `booking`)."""

    cancelled_by = serializers.SerializerMethodField()
    days_before_check_in = serializers.IntegerField()
    refund_share = serializers.DecimalField(
        source="share", max_digits=4, decimal_places=3, help_text="De lo pagado, sin la tarifa de servicio."
    )
    paid = serializers.SerializerMethodField()
    refund = serializers.SerializerMethodField()
    currency = serializers.SerializerMethodField()

    def get_cancelled_by(self, quote) -> str:
        return "host" if quote.by_host else "guest"

    def get_paid(self, quote) -> str:
        return format_amount(quote.paid, self.context["booking"].currency.minor_units)

    def get_refund(self, quote) -> str:
        return format_amount(quote.refund, self.context["booking"].currency.minor_units)

    def get_currency(self, quote) -> str:
        return self.context["booking"].currency.code


class BookingListQuerySerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=["guest", "host"], default="guest")
    status = serializers.CharField(required=False, help_text="Uno o varios estados, separados por comas.")
    listing = serializers.IntegerField(required=False, min_value=1)
    # `from` is a Python keyword: declared in get_fields.

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(required=False)
        fields["to"] = serializers.DateField(required=False)
        return fields

    def validate_status(self, value: str) -> list[str]:
        statuses = [name.strip() for name in value.split(",") if name.strip()]
        unknown = sorted(set(statuses) - set(Booking.Status.values))
        if unknown:
            raise serializers.ValidationError(_("Estados desconocidos: %(names)s.") % {"names": ", ".join(unknown)})
        return statuses

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        return {
            "as_host": values["role"] == "host",
            "statuses": values.get("status"),
            "listing_id": values.get("listing"),
            "stay_from": values.get("from"),
            "stay_to": values.get("to"),
        }


class BookingPaymentSerializer(serializers.ModelSerializer):
    currency = serializers.CharField(source="currency.code", read_only=True)
    amount = AmountField()
    action_url = serializers.CharField(read_only=True, help_text="Dónde completar 3-D Secure (vacío si no hace falta).")

    class Meta:
        model = BookingPayment
        fields = [
            "id",
            "booking",
            "kind",
            "amount",
            "currency",
            "provider",
            "provider_id",
            "status",
            "failure_reason",
            "action_url",
            "created_at",
            "updated_at",
        ]


class WebhookOutcomeSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=["applied", "duplicate", "ignored"])
