from rest_framework import serializers

from core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS


class ActiveFlagField(serializers.BooleanField):
    """A boolean whose omission means its default, also in form-encoded input
    (DRF otherwise reads an omitted form field as an unchecked box: False)."""

    default_empty_html = serializers.empty

    def __init__(self, **kwargs):
        kwargs.setdefault("default", True)
        super().__init__(**kwargs)


def money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, **kwargs)
