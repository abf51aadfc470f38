"""The English catalog (locale/en/LC_MESSAGES/django.po) says in English what
the Spanish says. makemessages guesses a translation for every new message
from a similar old one and marks it fuzzy; a guess whose mark is removed
unread is how "notificación" became "Tax ID" and "intentos" "entry". So: no
fuzzy entry, nothing left untranslated, and the agency's words (a reviewed
glossary) are translated the same way wherever they appear."""

import ast
import re
import unicodedata
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.conf import settings

CATALOG = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"

# Spanish word (and its plural) -> what its English must contain. Matched as
# whole words, ignoring case and accents, after removing placeholders
# (%(date)s, {value}) so that a placeholder cannot stand in for a word.
GLOSSARY = {
    r"boletos?": r"tickets?",
    r"facturas?": r"invoices?|invoiced",
    r"clientes?": r"clients?",
    r"pendientes?": r"pending",
    r"emision": r"issue",
    r"asientos?": r"entry|entries",
    r"notificacion(es)?": r"notifications?",
    r"ventas?": r"sales?",
    r"pagos?": r"payments?",
    r"monedas?": r"currency|currencies",
    r"reservas?": r"bookings?",
    r"anuncios?": r"listings?",
    r"alojamientos?": r"listings?",
    r"aerolineas?": r"airlines?",
    r"aeropuertos?": r"airports?",
    r"pais(es)?": r"country|countries",
    r"ciudad(es)?": r"city|cities",
    r"pasajeros?": r"passengers?",
    r"pasaporte": r"passport",
    r"tramos?": r"segments?",
    r"vuelos?": r"flights?",
    r"huesped(es)?": r"guests?",
    r"anfitrion(es)?": r"hosts?",
    r"reembolsos?": r"refunds?",
    r"impuestos?": r"tax(es)?",
    r"cuentas?": r"accounts?",
    r"usuarios?": r"users?|username",
    r"contrasena": r"password",
    r"entregas?": r"delivery|deliveries",
    r"intentos?": r"attempts?",
    r"eventos?": r"events?",
    r"fotos?": r"photos?",
    r"noches?": r"nights?|nightly",
    r"estadia": r"stay",
    r"proveedor(es)?": r"suppliers?|providers?",
    r"documentos?": r"documents?",
    r"series?": r"series",
    r"canje": r"exchange",
    r"importacion(es)?": r"imports?",
    r"comodidad(es)?": r"amenity|amenities",
    r"tarifas?": r"fares?|fees?",
    r"borrador(es)?": r"drafts?",
    r"tareas?": r"tasks?",
    r"precios?": r"prices?|priced",
    r"montos?": r"amounts?",
    r"fechas?": r"dates?",
    r"llegada": r"arrival|check-in",
    r"salida": r"departure|check-out",
    r"correos?": r"e-mails?",
    r"canal(es)?": r"channels?",
    r"destinatario": r"recipient",
    r"cola": r"queued?",
    r"periodo": r"period",
}

# (msgid, Spanish word) pairs whose English rightly does without the word.
# Accent-insensitive matching reads some verbs as the nouns they look like.
EXCEPTIONS = {
    ("Se pagó y confirmó una reserva.", r"pagos?"),  # pagó: paid
    ("Se reembolsó (total o parcialmente) el pago de una reserva.", r"reembolsos?"),  # reembolsó: refunded
    ("Este alojamiento se reserva de %(min)d a %(max)d noches.", r"reservas?"),  # se reserva: is booked
    # A sale's balance "pendiente" is its balance due, not a pending one.
    ("El pago (%(amount)s) supera el saldo pendiente (%(balance)s).", r"pendientes?"),
    # "Por cuenta de terceros" is "on behalf of third parties", not an account.
    ("Por cuenta de terceros", r"cuentas?"),
    ("por cuenta de terceros", r"cuentas?"),
    ("Cobrado por cuenta de terceros", r"cuentas?"),
    ("Cobros por cuenta de terceros", r"cuentas?"),
    ("cobros por cuenta de terceros", r"cuentas?"),
    # "Documento de identidad" is a national ID.
    ("El documento de identidad «%(value)s» no es válido en %(country)s: %(reason)s.", r"documentos?"),
}

PLACEHOLDER = re.compile(r"%\(\w+\)[sdgf]|\{\w+\}")


def plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", PLACEHOLDER.sub(" ", text))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def forms(value) -> list[str]:
    return [value] if isinstance(value, str) else [form for form in value if form]


def catalog_entries(path: Path = CATALOG):
    with path.open("rb") as file:
        return [message for message in read_po(file) if message.id]


def glossary_misses(path: Path = CATALOG) -> list[str]:
    misses = []
    for message in catalog_entries(path):
        for spanish, english in zip(forms(message.id), forms(message.string), strict=False):
            for term, translation in GLOSSARY.items():
                if (forms(message.id)[0], term) in EXCEPTIONS:
                    continue
                if re.search(rf"\b(?:{term})\b", plain(spanish)) and not re.search(
                    rf"\b(?:{translation})\b", plain(english)
                ):
                    misses.append(f"{spanish!r} -> {english!r}: '{term}' is not '{translation}'")
    return misses


GETTEXT_FUNCTIONS = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy"}
TEMPLATE_MESSAGE = re.compile(r"""{%\s*(?:translate|trans)\s+"([^"]+)"|{%\s*(?:translate|trans)\s+'([^']+)'""")


def messages_in_the_code() -> set[str]:
    """Every literal message the code and templates hand to gettext (the
    first argument; pgettext's second, after its context)."""
    root = Path(settings.BASE_DIR)
    found = set()
    for path in [*root.glob("core/**/*.py"), *root.glob("bookings/**/*.py"), *root.glob("project/**/*.py")]:
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            if node.func.id not in GETTEXT_FUNCTIONS:
                continue
            position = 1 if node.func.id.startswith("pgettext") else 0
            message = node.args[position] if len(node.args) > position else None
            if isinstance(message, ast.Constant) and isinstance(message.value, str):
                found.add(message.value)
    for path in [*root.glob("core/templates/**/*.html"), *root.glob("bookings/templates/**/*.html")]:
        found.update(a or b for a, b in TEMPLATE_MESSAGE.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_message_of_the_code_is_in_the_catalog():
    # Without an entry the English user reads the Spanish: run
    # `python manage.py makemessages -l en --no-obsolete` and translate.
    in_catalog = {forms(message.id)[0] for message in catalog_entries()}

    missing = sorted(messages_in_the_code() - in_catalog)

    assert missing == [], "not in the catalog:\n" + "\n".join(missing)


def _mo_key(message) -> tuple:
    # babel reads a .mo file's context as bytes.
    context = message.context.decode() if isinstance(message.context, bytes) else message.context
    return (context, *forms(message.id))


def test_the_compiled_catalog_is_the_catalog():
    # Django reads django.mo: an edit of the .po not compiled
    # (`msgfmt -o django.mo django.po`) does not reach users.
    with CATALOG.with_suffix(".mo").open("rb") as file:
        compiled = {_mo_key(m): tuple(forms(m.string)) for m in read_mo(file) if m.id}

    stale = [
        repr(message.id)
        for message in catalog_entries()
        if compiled.get((message.context, *forms(message.id))) != tuple(forms(message.string))
    ]

    assert stale == [], "compile the catalog; these differ:\n" + "\n".join(stale)


def test_no_entry_is_fuzzy_or_untranslated():
    bad = [
        repr(message.id)
        for message in catalog_entries()
        if message.fuzzy or not all(forms(message.string)) or not forms(message.string)
    ]

    assert bad == [], "fuzzy or untranslated entries:\n" + "\n".join(bad)


def test_the_agencys_words_are_translated_the_same_everywhere():
    misses = glossary_misses()

    assert misses == [], "\n".join(misses)


@pytest.mark.parametrize(
    ("spanish", "english", "caught"),
    [
        ("notificación", "Tax ID", True),
        ("Pendiente", "client", True),
        ("número de boleto", "document number", True),
        ("Fecha de anulación: %(date)s", "Voided on: %(date)s", True),
        ("número de boleto", "ticket number", False),
        ("FECHA DE EMISIÓN", "ISSUE DATE", False),
    ],
)
def test_the_glossary_check_catches_a_wrong_guess(tmp_path, spanish, english, caught):
    catalog = tmp_path / "django.po"
    catalog.write_text(f'msgid ""\nmsgstr ""\n\nmsgid "{spanish}"\nmsgstr "{english}"\n', encoding="utf-8")

    assert bool(glossary_misses(catalog)) is caught
