from collections.abc import Callable, Mapping

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, format_amount


class ActiveFlagField(serializers.BooleanField):
    """A boolean whose omission means its default, also in form-encoded input
    (DRF otherwise reads an omitted form field as an unchecked box: False)."""

    default_empty_html = serializers.empty

    def __init__(self, **kwargs):
        kwargs.setdefault("default", True)
        super().__init__(**kwargs)


def money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, **kwargs)


class RegisteredChoiceField(serializers.ChoiceField):
    """A choice among the names in a platform registry (notification kinds,
    webhook event types). DRF builds declared fields again for every
    serializer, so the choices are those registered by then, every app's."""

    def __init__(self, *, registry: Callable[[], Mapping[str, object]], **kwargs) -> None:
        super().__init__(choices=sorted(registry()), **kwargs)


@extend_schema_field({"type": "string", "nullable": True, "example": "118.00"})
class AmountField(serializers.Field):
    """A read-only amount written with exactly its currency's decimals
    ("118.00", "1500"), as everywhere in the API; the currency is the
    instance's `currency` (or the attribute `currency_attribute` names)."""

    def __init__(self, *, currency_attribute: str = "currency", **kwargs) -> None:
        self.currency_attribute = currency_attribute
        super().__init__(read_only=True, **kwargs)

    def get_attribute(self, instance):
        return super().get_attribute(instance), getattr(instance, self.currency_attribute)

    def to_representation(self, value):
        amount, currency = value
        if amount is None:
            return None
        return format_amount(amount, currency.minor_units if currency else MONEY_DECIMAL_PLACES)
