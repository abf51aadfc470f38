from collections.abc import Callable, Mapping

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


class RegisteredChoiceField(serializers.ChoiceField):
    """A choice among the names in a platform registry (notification kinds,
    webhook event types). DRF builds declared fields again for every
    serializer, so the choices are those registered by then, every app's."""

    def __init__(self, *, registry: Callable[[], Mapping[str, object]], **kwargs) -> None:
        super().__init__(choices=sorted(registry()), **kwargs)
