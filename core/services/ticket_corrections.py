"""Checking staff's corrections of an imported ticket against SCHEMA.md (the
record the parsers produce), field by field, before they are stored."""

import datetime
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from core.exceptions import InvalidInput

TWO_DECIMALS = Decimal("0.01")


class _Refused(Exception):
    """One value is wrong; the caller says which field."""


def _text(max_length: int, *, pattern: str | None = None, upper: bool = False, nullable: bool = True) -> Callable:
    def clean(value):
        if value is None or (isinstance(value, str) and not value.strip()):
            if nullable:
                return None
            raise _Refused(_("Este campo no puede quedar vacío."))
        if not isinstance(value, str):
            raise _Refused(_("Debe ser un texto."))
        value = " ".join(value.split())
        if upper:
            value = value.upper()
        if len(value) > max_length:
            raise _Refused(_("Admite como máximo %(count)d caracteres.") % {"count": max_length})
        if pattern and not re.fullmatch(pattern, value):
            raise _Refused(_("El formato no es válido."))
        return value

    return clean


def _passenger_document(value):
    """A passport or ID number as SCHEMA.md has it: letters and digits, no type prefix."""
    value = _text(30, upper=True)(value)
    if value is None:
        return None
    compact = re.sub(r"[\s-]", "", value)
    if not re.fullmatch(r"[A-Z0-9]{4,20}", compact):
        raise _Refused(
            _(
                "El documento del pasajero lleva de 4 a 20 letras o dígitos, sin signos ni el prefijo "
                "de su tipo (PP, NI…)."
            )
        )
    return compact


def _ticket_number(value):
    digits = re.sub(r"[\s-]", "", value) if isinstance(value, str) else ""
    if not re.fullmatch(r"\d{13}", digits):
        raise _Refused(_("El número de boleto tiene 13 dígitos."))
    return digits


def _date(value):
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value).isoformat()
    except (TypeError, ValueError) as wrong:
        raise _Refused(_("Debe ser una fecha AAAA-MM-DD.")) from wrong


def _required_date(value):
    if value is None:
        raise _Refused(_("Este campo no puede quedar vacío."))
    return _date(value)


def _amount(value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise _Refused(_('Debe ser un monto como "123.45".'))
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation as wrong:
        raise _Refused(_('Debe ser un monto como "123.45".')) from wrong
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        raise _Refused(_("Debe ser un monto positivo razonable."))
    return str(amount.quantize(TWO_DECIMALS))


def _boolean(value):
    if not isinstance(value, bool):
        raise _Refused(_("Debe ser true o false."))
    return value


def _airline(value):
    if not isinstance(value, dict) or set(value) - {"name", "code"}:
        raise _Refused(_('Debe ser un objeto con "name" y "code".'))
    return {
        "name": _text(200, nullable=False)(value.get("name")),
        "code": _text(2, pattern=r"[A-Z0-9]{2}", upper=True)(value.get("code")),
    }


def _tax(value):
    if not isinstance(value, dict) or set(value) != {"code", "amount"}:
        raise _Refused(_('Cada impuesto es un objeto con "code" y "amount".'))
    amount = _amount(value["amount"])
    if amount is None:
        raise _Refused(_("Cada impuesto necesita su monto."))
    return {"code": _text(3, pattern=r"[A-Z0-9]{2,3}", upper=True, nullable=False)(value["code"]), "amount": amount}


TIME = r"([01]\d|2[0-3]):[0-5]\d"
SEGMENT_FIELDS: dict[str, Callable] = {
    "carrier": _text(2, pattern=r"[A-Z0-9]{2}", upper=True, nullable=False),
    "flight_number": _text(5, pattern=r"\d{1,5}", nullable=False),
    "origin": _text(60, upper=True, nullable=False),
    "origin_code": _text(3, pattern=r"[A-Z]{3}", upper=True),
    "destination": _text(60, upper=True, nullable=False),
    "destination_code": _text(3, pattern=r"[A-Z]{3}", upper=True),
    "departure_date": _date,
    "departure_time": _text(5, pattern=TIME),
    "arrival_time": _text(5, pattern=TIME),
    "booking_class": _text(1, pattern=r"[A-Z]", upper=True),
    "fare_basis": _text(20, upper=True),
    "baggage": _text(10, upper=True),
    "status": _text(12, upper=True),
}


def _segment(value):
    if not isinstance(value, dict):
        raise _Refused(_("Cada tramo es un objeto."))
    unknown = sorted(set(value) - set(SEGMENT_FIELDS))
    if unknown:
        raise _Refused(_("Campos de tramo desconocidos: %(fields)s.") % {"fields": ", ".join(unknown)})
    return {key: clean(value.get(key)) for key, clean in SEGMENT_FIELDS.items()}


def _list_of(clean_item: Callable, *, required: bool) -> Callable:
    def clean(value):
        if not isinstance(value, list):
            raise _Refused(_("Debe ser una lista."))
        if required and not value:
            raise _Refused(_("La lista no puede quedar vacía."))
        return [clean_item(item) for item in value]

    return clean


# Every key of the record but `format`, which names the parser that read it.
CORRECTABLE_FIELDS: dict[str, Callable] = {
    "passenger_name": _text(200, upper=True, nullable=False),
    "passenger_document": _passenger_document,
    "ticket_number": _ticket_number,
    "pnr": _text(12, pattern=r"[A-Z0-9]+", upper=True, nullable=False),
    "airline_pnr": _text(12, pattern=r"[A-Z0-9]+", upper=True),
    "issuing_airline": _airline,
    "issue_date": _required_date,
    "issuing_agent": _text(60),
    "office_id": _text(30),
    "segments": _list_of(_segment, required=True),
    "currency": _text(3, pattern=r"[A-Z]{3}", upper=True),
    "fare": _amount,
    "taxes": _list_of(_tax, required=False),
    "taxes_total": _amount,
    "total": _amount,
    "form_of_payment": _text(200),
    "is_exchange": _boolean,
}


def corrections_validate(corrections) -> dict:
    """The corrections in the record's own shapes (amounts as "0.00", dates
    ISO, codes upper case); the first wrong field raises InvalidInput."""
    if not isinstance(corrections, dict) or not corrections:
        raise InvalidInput(_("Las correcciones son un objeto con al menos un campo."), field="corrections")
    cleaned = {}
    for key, value in corrections.items():
        clean = CORRECTABLE_FIELDS.get(key)
        if clean is None:
            raise InvalidInput(
                _("«%(field)s» no es un campo corregible del boleto.") % {"field": key}, field=f"corrections.{key}"
            )
        try:
            cleaned[key] = clean(value)
        except _Refused as refused:
            raise InvalidInput(f"{key}: {refused}", field=f"corrections.{key}") from None
    return cleaned


# Without these a ticket cannot be priced: it is not sold until staff add them.
PRICE_FIELDS = ("fare", "total", "currency")


def record_missing_fields(record: dict) -> list[str]:
    """The fields of the effective record still empty: those the parser listed
    under `missing` (a partial read), then fare, total and currency. Only
    correctable fields count, so staff can complete every one listed."""
    declared = record.get("missing")
    candidates = [*(declared if isinstance(declared, list) else []), *PRICE_FIELDS]
    missing = []
    for field in candidates:
        if field in CORRECTABLE_FIELDS and field not in missing and record.get(field) in (None, "", [], {}):
            missing.append(field)
    return missing
