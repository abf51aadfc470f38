"""Helpers shared by the format parsers: amounts, dates, names and the record shape."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from .vocabulary import MONTHS, make_date

TITLES = {"MR", "MRS", "MS", "MISS", "MSTR", "MSTER", "DR"}

# Document type prefixes, longest first so that IDVCI is not read as ID + VCI...
DOCUMENT_PREFIXES = ("IDVCI", "IDECI", "IDVP", "IDEP", "IDFN", "ID", "NI", "PP", "VP")

TOP_KEYS = (
    "format", "passenger_name", "passenger_document", "ticket_number", "pnr", "airline_pnr",
    "issuing_airline", "issue_date", "issuing_agent", "office_id", "segments", "currency", "fare",
    "taxes", "taxes_total", "total", "form_of_payment", "is_exchange",
)  # fmt: skip


def new_record(fmt: str) -> dict:
    """An empty record with every key of SCHEMA.md."""
    record: dict = dict.fromkeys(TOP_KEYS)
    record.update(format=fmt, segments=[], taxes=[], is_exchange=False)
    return record


def new_segment() -> dict:
    return {
        "carrier": None,
        "flight_number": None,
        "origin": None,
        "origin_code": None,
        "destination": None,
        "destination_code": None,
        "departure_date": None,
        "departure_time": None,
        "arrival_time": None,
        "booking_class": None,
        "fare_basis": None,
        "baggage": None,
        "status": None,
    }


def parse_amount(raw: str | None) -> str | None:
    """Normalise a printed amount to a 2-decimal string.

    Handles both `1,234.50` and `1.234,50`; a lone separator followed by one or two
    digits is a decimal separator (`50.723,4`, `1739.1`), otherwise a thousands one.
    """
    if raw is None:
        return None
    s = re.sub(r"[^\d.,-]", "", raw)
    if not re.search(r"\d", s):
        return None
    if "," in s and "." in s:
        decimal_sep = "," if s.rfind(",") > s.rfind(".") else "."
        thousands = "." if decimal_sep == "," else ","
        s = s.replace(thousands, "").replace(decimal_sep, ".")
    elif "," in s or "." in s:
        sep = "," if "," in s else "."
        head, _, tail = s.rpartition(sep)
        if s.count(sep) == 1 and len(tail) != 3:
            s = head + "." + tail
        elif s.count(sep) == 1 and sep == ".":
            # `12.345` is ambiguous; a dot with three decimals is rare on tickets.
            s = head + tail
        else:
            s = s.replace(sep, "")
    try:
        return f"{Decimal(s):.2f}"
    except InvalidOperation:
        return None


def sum_amounts(amounts: list[str]) -> str | None:
    if not amounts:
        return None
    return f"{sum(Decimal(a) for a in amounts):.2f}"


def hhmm(raw: str | None) -> str | None:
    """`1830` / `18:30` / `6:30 PM` -> `18:30`."""
    if not raw:
        return None
    m = re.match(r"^\s*(\d{1,2}):?(\d{2})\s*([AaPp]\.?\s*[Mm]\.?)?\s*$", raw)
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2))
    meridiem = (m.group(3) or "").upper().replace(".", "").replace(" ", "")
    if meridiem == "PM" and hour < 12:
        hour += 12
    elif meridiem == "AM" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"


def strip_titles(name: str) -> str:
    """Drop trailing titles (`ROMERO/ANA MRS` -> `ROMERO/ANA`)."""
    words = name.split()
    while len(words) > 1 and words[-1] in TITLES and "/" not in words[-1]:
        words.pop()
    return " ".join(words)


def clean_name(name: str) -> str:
    name = re.sub(r"\s+", " ", name.upper()).strip()
    name = re.sub(r"\s*/\s*", "/", name)
    return strip_titles(name)


def given_first_to_record(words: list[str]) -> str:
    """`GIVEN1 GIVEN2 SURNAME1 SURNAME2` -> `SURNAME1 SURNAME2/GIVEN1 GIVEN2`.

    The first half of the words (rounded down, at least one) are given names.
    """
    words = [w.upper() for w in words if w]
    if len(words) < 2:
        return "/".join(words)
    n_given = max(1, len(words) // 2)
    return " ".join(words[n_given:]) + "/" + " ".join(words[:n_given])


def strip_document_prefix(raw: str | None) -> str | None:
    if not raw:
        return None
    doc = re.sub(r"[^A-Z0-9]", "", raw.upper())
    for prefix in DOCUMENT_PREFIXES:
        if doc.startswith(prefix) and len(doc) > len(prefix) + 2:
            return doc[len(prefix) :]
    return doc or None


def ticket_digits(raw: str | None) -> str | None:
    if not raw:
        return None
    digits = re.sub(r"\D", "", raw)
    return digits if len(digits) == 13 else None


def collapse(text: str | None) -> str | None:
    if text is None:
        return None
    text = re.sub(r"\s+", " ", text).strip()
    return text or None


def iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def block_between(text: str, start: str, end: str) -> str | None:
    """The text from the first match of `start` to the first match of `end`
    after it (both multiline patterns), or None without both.

    The same as `(?ms)start(.*?)end` but linear: that pattern, when `end` is
    missing, scans to the end of the text from every line `start` matches,
    which is quadratic in a document repeating the start label."""
    opening = re.search(f"(?m){start}", text)
    if not opening:
        return None
    closing = re.compile(f"(?m){end}").search(text, opening.end())
    return text[opening.end() : closing.start()] if closing else None


def header_value(text: str, name: str) -> str | None:
    """Value of an e-mail header line (`Subject: ...`) kept at the top of the text."""
    m = re.search(rf"(?im)^{name}:[ \t]*(.+)$", text[:20000])
    return m.group(1).strip() if m else None


def header_date(text: str) -> date | None:
    """The date of the e-mail `Date:` header (RFC 2822)."""
    value = header_value(text, "Date")
    if not value:
        return None
    m = re.search(r"(\d{1,2})\s+([A-Za-z]{3})\w*\s+(\d{4})", value)
    if not m:
        return None
    month = MONTHS.get(m.group(2).upper())
    return make_date(int(m.group(1)), month, int(m.group(3))) if month else None
