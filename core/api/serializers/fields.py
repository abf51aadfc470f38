from collections.abc import Callable, Mapping

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
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


# What a related object's code or id must be, said per kind of object: DRF's
# own message ("Objeto con code=Peru no existe.") names neither the field's
# subject nor what it expects. DRF fills {value} and {pk_value} in.
UNKNOWN_COUNTRY = _("No existe un país con el código «{value}»; indique el código ISO 3166 de dos letras (p. ej. PE).")
UNKNOWN_CURRENCY = _(
    "No existe la moneda «{value}» o no está activa; indique un código ISO 4217 de tres letras (p. ej. PEN)."
)
UNKNOWN_ACCOUNT = _(
    "No existe la cuenta contable «{value}» o no está activa; indique el código de una cuenta del plan de cuentas."
)
UNKNOWN_AIRLINE = _("No existe la aerolínea «{value}» o no está activa; indique su código IATA (p. ej. LA).")
UNKNOWN_AMENITY = _("No existe la comodidad «{value}»; indique el código de una comodidad del catálogo.")
UNKNOWN_CLIENT = _("No existe un cliente con el id {pk_value}.")
UNKNOWN_PRODUCT = _("No existe un producto activo con el id {pk_value}.")
UNKNOWN_CITY = _("No existe una ciudad con el id {pk_value}.")


def code_field(queryset: QuerySet, *, does_not_exist: str, slug_field: str = "code", **kwargs) -> serializers.Field:
    """A related object given by its code, refused with `does_not_exist`."""
    return serializers.SlugRelatedField(
        slug_field=slug_field,
        queryset=queryset,
        error_messages={"does_not_exist": does_not_exist, "invalid": _("Debe ser un código (un texto).")},
        **kwargs,
    )


def id_field(queryset: QuerySet, *, does_not_exist: str, **kwargs) -> serializers.Field:
    """A related object given by its id, refused with `does_not_exist`."""
    return serializers.PrimaryKeyRelatedField(
        queryset=queryset,
        error_messages={"does_not_exist": does_not_exist, "incorrect_type": _("Debe ser un id: un número entero.")},
        **kwargs,
    )


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
