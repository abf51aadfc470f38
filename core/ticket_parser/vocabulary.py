"""Words that tickets print in Spanish, English and Portuguese: month names, labels, times.

GDS receipts are printed in the agency's language, so a parser reads a field through
the list of labels that name it in every language (`label_pattern`), not through one
spelling. Accents are optional everywhere: PDF text and hand-forwarded mails lose them.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

_MONTH_NAMES = {
    1: ("JANUARY", "ENERO", "JANEIRO", "JAN", "ENE"),
    2: ("FEBRUARY", "FEBRERO", "FEVEREIRO", "FEB", "FEV"),
    3: ("MARCH", "MARZO", "MARCO", "MAR"),
    4: ("APRIL", "ABRIL", "APR", "ABR"),
    5: ("MAY", "MAYO", "MAIO", "MAI"),
    6: ("JUNE", "JUNIO", "JUNHO", "JUN"),
    7: ("JULY", "JULIO", "JULHO", "JUL"),
    8: ("AUGUST", "AGOSTO", "AUG", "AGO"),
    9: ("SEPTEMBER", "SEPTIEMBRE", "SETIEMBRE", "SETEMBRO", "SEP", "SEPT", "SET"),
    10: ("OCTOBER", "OCTUBRE", "OUTUBRO", "OCT", "OUT"),
    11: ("NOVEMBER", "NOVIEMBRE", "NOVEMBRO", "NOV"),
    12: ("DECEMBER", "DICIEMBRE", "DEZEMBRO", "DEC", "DIC", "DEZ"),
}
# Every spelling (accent-free, upper case, no period) -> month number.
MONTHS: dict[str, int] = {name: number for number, names in _MONTH_NAMES.items() for name in names}
# A regex alternative matching any month spelling, longest first so `MARZO` wins over `MAR`.
MONTH_WORD = "|".join(sorted(MONTHS, key=len, reverse=True))

WEEKDAYS = {
    "MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN",
    "LU", "MA", "MI", "JU", "VI", "SA", "DO", "LUN", "MAR", "MIE", "JUE", "VIE", "SAB", "DOM",
    "SEG", "TER", "QUA", "QUI", "SEX",
}  # fmt: skip

_ACCENTED = {
    "A": "AÁÀÂÃÄ", "E": "EÉÈÊË", "I": "IÍÌÎÏ", "O": "OÓÒÔÕÖ", "U": "UÚÙÛÜ", "C": "CÇ", "N": "NÑ",
}  # fmt: skip


def strip_accents(text: str) -> str:
    """`Código de reservación` -> `Codigo de reservacion` (ñ and ç too)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def label_pattern(*labels: str) -> str:
    """A regex alternative matching any of the labels, case- and accent-insensitively,
    with any run of spaces between words (compile it with re.IGNORECASE)."""
    alternatives = []
    for label in sorted(labels, key=len, reverse=True):
        parts = []
        for char in strip_accents(label).upper():
            if char == " ":
                parts.append(r"\s+")
            elif char in _ACCENTED:
                parts.append(f"[{_ACCENTED[char]}{_ACCENTED[char].lower()}]")
            else:
                parts.append(re.escape(char))
        alternatives.append("".join(parts))
    return "(?:" + "|".join(alternatives) + ")"


def month_number(name: str) -> int | None:
    """`feb`, `Feb.`, `FEBRERO`, `fevereiro`, `março`, `Sept.` -> the month number."""
    return MONTHS.get(strip_accents(name).upper().strip().rstrip("."))


# `25 feb 25`, `25FEB25`, `27ene21`, `07 ABR 2025`, `25 de febrero de 2025`, `5 março 2025`, `22JAN`.
DAY_MONTH_YEAR = re.compile(
    rf"(?<![\dA-Za-z])(\d{{1,2}})(?:\s*de)?[\s.-]*({MONTH_WORD})\.?(?:\s*de)?(?:[\s.-]*(\d{{4}}|\d{{2}})(?![\d:]))?(?![A-Za-z])",
    re.IGNORECASE,
)
# `February 25, 2025`, `Feb 25`.
MONTH_DAY_YEAR = re.compile(
    rf"(?<![A-Za-z])({MONTH_WORD})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?(?![\d:])", re.IGNORECASE
)
ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
NUMERIC_DATE = re.compile(r"(?<![\d/.])(\d{1,2})[/.](\d{1,2})[/.](\d{4})(?![\d/.])")


def infer_year(day: int, month: int, reference: date | None) -> date | None:
    """The first date with this day and month on or after `reference` (the issue date)."""
    if reference is None:
        return None
    for year in (reference.year, reference.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= reference:
            return candidate
    return None


def make_date(day: int, month: int, year: int) -> date | None:
    if year < 100:
        year += 2000
    try:
        return date(year, month, day)
    except ValueError:
        return None


def find_date(text: str, reference: date | None = None) -> date | None:
    """The first date printed in `text`, in any of the three languages. A date without
    its year is the first such day on or after `reference` (the issue date), or None
    without one. Numeric dates are read day first (`05/03/2025` is 5 March)."""
    found = []
    for pattern, kind in ((DAY_MONTH_YEAR, "dmy"), (MONTH_DAY_YEAR, "mdy"), (ISO_DATE, "iso"), (NUMERIC_DATE, "num")):
        m = pattern.search(text)
        if m:
            found.append((m.start(), kind, m))
    for _start, kind, m in sorted(found, key=lambda item: item[0]):
        value = _date_of(kind, m, reference)
        if value is not None:
            return value
    return None


def _date_of(kind: str, m: re.Match, reference: date | None) -> date | None:
    if kind == "iso":
        return make_date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    if kind == "num":
        return make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if kind == "dmy":
        day, month, year = m.group(1), m.group(2), m.group(3)
    else:
        month, day, year = m.group(1), m.group(2), m.group(3)
    number = month_number(month)
    if number is None:
        return None
    if year:
        return make_date(int(day), number, int(year))
    return infer_year(int(day), number, reference)


# `18:30`, `6:30 PM`, `06:30 p. m.`, `1830`, `13h30`.
TIME_12_24 = re.compile(r"(?<![\d:])(\d{1,2})(?::|[hH](?=\d{2}))(\d{2})(?:\s*([AaPp])\.?\s*[Mm]\.?)?(?![\d:])")


def find_times(text: str) -> list[str]:
    """Every time printed in `text` as `HH:MM` (24 h), in order; 12-hour times converted."""
    times = []
    for m in TIME_12_24.finditer(text):
        hour, minute = int(m.group(1)), int(m.group(2))
        meridiem = (m.group(3) or "").upper()
        if meridiem and not 1 <= hour <= 12:
            continue
        if meridiem == "P" and hour < 12:
            hour += 12
        elif meridiem == "A" and hour == 12:
            hour = 0
        if hour <= 23 and minute <= 59:
            times.append(f"{hour:02d}:{minute:02d}")
    return times


# Currencies as tickets print them. A bare `$` names no currency and is not read.
CURRENCY_SYMBOLS = {"US$": "USD", "U$S": "USD", "USD$": "USD", "S/": "PEN", "S/.": "PEN", "€": "EUR", "R$": "BRL",
                    "BS": "VES", "BS.": "VES", "BS.S": "VES", "BSS": "VES", "BSF": "VEF", "BS.F": "VEF"}  # fmt: skip

# Airlines by the names itineraries print, for layouts that print no code.
AIRLINE_CODES = {
    "COPA AIRLINES": "CM", "COPA": "CM", "AVIANCA": "AV", "LATAM AIRLINES": "LA", "LATAM": "LA", "IBERIA": "IB",
    "AMERICAN AIRLINES": "AA", "UNITED AIRLINES": "UA", "UNITED": "UA", "DELTA AIR LINES": "DL", "DELTA": "DL",
    "AIR EUROPA": "UX", "TURKISH AIRLINES": "TK", "AEROMEXICO": "AM", "WINGO": "P5", "ARAJET": "DM",
    "AIR FRANCE": "AF", "KLM": "KL", "LUFTHANSA": "LH", "TAP AIR PORTUGAL": "TP", "TAP PORTUGAL": "TP",
    "CONVIASA": "V0", "AVIOR AIRLINES": "9V", "LASER": "QL", "ESTELAR": "ES", "RUTACA AIRLINES": "5R",
    "SATA INTERNACIONAL": "S4", "AZORES AIRLINES": "S4", "GOL": "G3", "AZUL": "AD", "JETBLUE": "B6",
    "SPIRIT AIRLINES": "NK", "SKY AIRLINE": "H2", "JETSMART": "JA", "PLUS ULTRA": "PU", "AIR CANADA": "AC",
}  # fmt: skip

# Validating carriers by the airline prefix of the ticket number (IATA accounting codes).
TICKET_PREFIX_CARRIER = {
    "001": "AA", "006": "DL", "016": "UA", "045": "LA", "047": "TP", "057": "AF", "074": "KL", "075": "IB",
    "134": "AV", "139": "AM", "220": "LH", "230": "CM", "235": "TK", "308": "V0", "331": "S4", "996": "UX",
    "052": "ES", "742": "9V", "765": "5R",
}  # fmt: skip
