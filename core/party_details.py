"""The document number, phone and e-mail of a client, supplier or passenger,
checked with maintained libraries before they are stored: python-stdnum for
check digits (Peru's DNI and RUC, other countries' tax and identity numbers),
phonenumbers (libphonenumber's metadata) for phones, Django's validator for
e-mails. Each refusal says which field is wrong and why, in the active
language; each accepted value comes back in one canonical form."""

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext as _
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.pe import cui, ruc
from stdnum.util import get_cc_module

# The agency is in Peru: a phone without its country prefix is a Peruvian one
# unless the client's country says otherwise.
DEFAULT_PHONE_REGION = "PE"
# Letters and digits only: ICAO 9303 passports, Peru's carné de extranjería.
LETTERS_AND_DIGITS = {"passport": re.compile(r"[A-Z0-9]{5,20}"), "ce": re.compile(r"[A-Z0-9]{6,12}")}
_email_validator = EmailValidator()


def document_number_clean(document_type: str, number: str, *, country: str | None = None) -> str:
    """The number in its canonical form (no spaces or dashes, capitals), or a
    ValidationError saying what is wrong with it for its document type.
    `country` (ISO alpha-2) picks the rules of a national ID or tax ID."""
    compact = re.sub(r"[\s.-]", "", number or "").upper()
    if not compact:
        raise ValidationError(_("Falta el número de documento."), code="required")
    if document_type == "dni":
        return _dni(compact)
    if document_type == "ruc":
        return _ruc(compact)
    if document_type in LETTERS_AND_DIGITS:
        if not LETTERS_AND_DIGITS[document_type].fullmatch(compact):
            message = (
                _("El número de pasaporte «%(value)s» lleva de 5 a 20 letras o dígitos, sin signos.")
                if document_type == "passport"
                else _("El carné de extranjería «%(value)s» lleva de 6 a 12 letras o dígitos, sin signos.")
            )
            raise ValidationError(message % {"value": number}, code=f"invalid_{document_type}")
        return compact
    if document_type in ("national_id", "tax_id") and country:
        return _foreign(document_type, compact, number, country)
    return compact


def _dni(number: str) -> str:
    """Eight digits; a ninth character, the card's check digit or letter, is
    checked and dropped (the DNI is the eight digits)."""
    try:
        cui.validate(number)
    except InvalidLength:
        raise ValidationError(
            _("El DNI tiene 8 dígitos (o 9 con su dígito de verificación); «%(value)s» tiene %(count)d.")
            % {"value": number, "count": len(number)},
            code="invalid_dni",
        ) from None
    except InvalidFormat:
        raise ValidationError(
            _("El DNI lleva solo dígitos; «%(value)s» tiene otros caracteres.") % {"value": number}, code="invalid_dni"
        ) from None
    except InvalidChecksum:
        digit, letter = cui.calc_check_digits(number)
        raise ValidationError(
            _(
                "El dígito de verificación del DNI «%(value)s» no corresponde a sus 8 dígitos "
                "(sería %(digit)s o %(letter)s)."
            )
            % {"value": number, "digit": digit, "letter": letter},
            code="invalid_dni",
        ) from None
    return number[:8]


def _ruc(number: str) -> str:
    try:
        return ruc.validate(number)
    except InvalidLength:
        message = _("El RUC tiene 11 dígitos; «%(value)s» tiene %(count)d.")
    except InvalidFormat:
        message = _("El RUC lleva solo dígitos; «%(value)s» tiene otros caracteres.")
    except InvalidComponent:
        message = _("El RUC «%(value)s» no empieza con 10 (persona), 15, 17 o 20 (empresa).")
    except InvalidChecksum:
        message = _("El último dígito del RUC «%(value)s» no es su dígito verificador: revise el número.")
    raise ValidationError(message % {"value": number, "count": len(number)}, code="invalid_ruc")


def _foreign(document_type: str, number: str, printed: str, country: str) -> str:
    """A national ID or tax ID checked by its country's rules when
    python-stdnum knows them (Colombia's NIT, Chile's RUT, Spain's NIF…)."""
    names = ("personalid",) if document_type == "national_id" else ("vat", "tin")
    modules = [get_cc_module(country.lower(), name) for name in names]
    module = next((module for module in modules if module), None)
    if module is None:
        return number
    try:
        return module.compact(module.validate(number))
    except StdnumError as wrong:
        reason = {
            InvalidLength: _("no tiene la longitud que corresponde"),
            InvalidFormat: _("tiene caracteres que no corresponden"),
            InvalidChecksum: _("su dígito verificador no corresponde"),
        }.get(type(wrong), _("no corresponde a un número emitido"))
        message = (
            _("El documento de identidad «%(value)s» no es válido en %(country)s: %(reason)s.")
            if document_type == "national_id"
            else _("La identificación tributaria «%(value)s» no es válida en %(country)s: %(reason)s.")
        )
        raise ValidationError(
            message % {"value": printed, "country": country.upper(), "reason": reason}, code="invalid_document"
        ) from None


def phone_clean(value: str, *, country: str | None = None) -> str:
    """The phone in international form (E.164, "+51987654321"). Without a
    "+" prefix it is read as a number of `country`, else of Peru."""
    value = (value or "").strip()
    if not value:
        return ""
    region = (country or DEFAULT_PHONE_REGION).upper()
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as wrong:
        if wrong.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            message = _("El teléfono «%(value)s» tiene un prefijo de país que no existe.")
        elif wrong.error_type == phonenumbers.NumberParseException.NOT_A_NUMBER:
            message = _("El teléfono «%(value)s» no es un número de teléfono.")
        elif wrong.error_type == phonenumbers.NumberParseException.TOO_LONG:
            message = _("El teléfono «%(value)s» tiene demasiados dígitos.")
        else:
            message = _("El teléfono «%(value)s» tiene muy pocos dígitos.")
        raise ValidationError(message % {"value": value}, code="invalid_phone") from None
    if not phonenumbers.is_valid_number(number):
        reason = phonenumbers.is_possible_number_with_reason(number)
        if reason == phonenumbers.ValidationResult.TOO_SHORT:
            message = _("El teléfono «%(value)s» tiene muy pocos dígitos para %(region)s.")
        elif reason == phonenumbers.ValidationResult.TOO_LONG:
            message = _("El teléfono «%(value)s» tiene demasiados dígitos para %(region)s.")
        else:
            message = _(
                "El teléfono «%(value)s» no es un número en uso en %(region)s (¿falta el prefijo +código de país?)."
            )
        region_of_number = phonenumbers.region_code_for_number(number) or region
        raise ValidationError(message % {"value": value, "region": region_of_number}, code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email_clean(value: str) -> str:
    """The e-mail as typed but trimmed, its domain in lower case."""
    value = (value or "").strip()
    if not value:
        return ""
    local, at, domain = value.rpartition("@")
    if any(character.isspace() for character in value):
        message = _("El correo electrónico «%(value)s» tiene espacios.")
    elif not at:
        message = _("Al correo electrónico «%(value)s» le falta la @ (nombre@dominio.com).")
    elif not local:
        message = _("Al correo electrónico «%(value)s» le falta el nombre antes de la @.")
    elif "." not in domain:
        message = _("El dominio del correo electrónico «%(value)s» está incompleto (como dominio.com).")
    else:
        value = f"{local}@{domain.lower()}"
        try:
            _email_validator(value)
        except ValidationError:
            message = _("El correo electrónico «%(value)s» no es una dirección válida (nombre@dominio.com).")
        else:
            return value
    raise ValidationError(message % {"value": value}, code="invalid_email")
