"""Sabre "Recibo de boleto electrónico" (Spanish e-ticket receipt, text of the PDF print).

The PDF puts the flight table in columns, so its text interleaves them: the first line
of a flight holds date, airline, origin and destination (each column wrapping onto the
next line), and the two times may come out in either order. Places are rebuilt as
`CITY, COUNTRY` with the help of a country list; times are ordered by plausibility of
the block time given the printed arrival date.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from .common import (
    MONTHS,
    block_between,
    clean_name,
    collapse,
    iso,
    make_date,
    new_record,
    new_segment,
    parse_amount,
    strip_document_prefix,
    sum_amounts,
    ticket_digits,
)

DATE = r"(\d{1,2})\s*([A-Za-z]{3})\s*(\d{2,4})"
SEGMENT_START = re.compile(rf"^(?:Salida:\s*)?{DATE}\s+(?P<rest>\S.*)$")
FLIGHT = re.compile(r"(?<![\w.])([A-Z][A-Z0-9]|[0-9][A-Z])\s(\d{1,4})(?![\w.])")
TIME = re.compile(r"(?<![\d:])([01]\d|2[0-3]):([0-5]\d)(?![\d:])")
STATUS = re.compile(r"\b(NO CONFIRMADO|CONFIRMADO|CANCELADO|EN LISTA DE ESPERA|LISTA DE ESPERA|SOLICITADO|PENDIENTE)\b")
LOCATOR_TAIL = re.compile(r"\s*(?:C[óo]digo de reservaci[óo]n de(?: la)?|(?:la\s+)?aerol[íi]nea\s+[A-Z0-9]{5,8})\s*$")
MAX_BLOCK_MINUTES = 20 * 60


def _date(day: str, month: str, year: str) -> date | None:
    number = MONTHS.get(month.upper())
    return make_date(int(day), number, int(year)) if number else None


def _value(text: str, pattern: str) -> str | None:
    m = re.search(pattern, text, re.MULTILINE)
    return m.group(1).strip() if m else None


def parse(text: str) -> list[dict]:
    record = new_record("sabre")
    lines = [line.strip() for line in text.split("\n")]
    prepared = next((i for i, line in enumerate(lines) if line.lower().startswith("preparado para")), None)
    if prepared is not None:
        rest = lines[prepared][len("preparado para") :].strip()
        name_line = rest or next((line for line in lines[prepared + 1 : prepared + 4] if line), "")
        m = re.match(r"^([^\[]*)(?:\[([^\]]*)\])?", name_line[:300])
        if m:
            record["passenger_name"] = clean_name(m.group(1)) if "/" in m.group(1) else None
            record["passenger_document"] = strip_document_prefix(m.group(2))
    record["pnr"] = _value(text, r"C[ÓO]DIGO DE RESERVACI[ÓO]N\s+([A-Z0-9]{5,8})\b")
    issue_m = re.search(rf"FECHA DE EMISI[ÓO]N\s+{DATE}", text)
    issue = _date(*issue_m.groups()) if issue_m else None
    record["issue_date"] = iso(issue)
    record["ticket_number"] = ticket_digits(_value(text, r"N[ÚU]MERO DE BOLETO\s+(\d[\d -]{11,16}\d)"))
    airline = _value(text, r"^AEROL[ÍI]NEA EMISORA\s+(.+)$")
    record["issuing_agent"] = _value(text, r"^AGENTE EMISOR\s+(.+)$")
    record["airline_pnr"] = _value(text, r"aerol[íi]nea\s+([A-Z0-9]{5,8})\b")
    record["segments"] = _segments(lines, airline or "")
    if airline:
        code = record["segments"][0]["carrier"] if record["segments"] else None
        record["issuing_airline"] = {"name": airline, "code": code}
    _payment(text, record)
    return [record]


# ------------------------------------------------------------------ flights
def _segments(lines: list[str], airline: str) -> list[dict]:
    starts = [
        i
        for i, line in enumerate(lines)
        if (m := SEGMENT_START.match(line)) and ("," in m.group("rest") or "digo de reservaci" in m.group("rest"))
    ]
    segments = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        block = [line for line in lines[start:end] if line]
        seg = _segment(block, airline)
        if seg:
            segments.append(seg)
    return segments


def _segment(block: list[str], airline: str) -> dict | None:
    head = SEGMENT_START.match(block[0])
    departure = _date(head.group(1), head.group(2), head.group(3))
    if departure is None:
        return None
    seg = new_segment()
    seg["departure_date"] = iso(departure)

    flight_line = next((i for i, line in enumerate(block[:4]) if FLIGHT.search(line)), None)
    if flight_line is None:
        return None
    flight = FLIGHT.search(block[flight_line])
    seg["carrier"], seg["flight_number"] = flight.group(1), flight.group(2)

    # Second line: `Llegada: <date>`, the flight, wrapped column words, `la aerolínea XXX`.
    second = block[1] if len(block) > 1 else ""
    arrival = departure
    m = re.match(rf"^Llegada:\s*{DATE}\s*", second)
    if m:
        arrival = _date(m.group(1), m.group(2), m.group(3)) or departure
        second = second[m.end() :]
    second = LOCATOR_TAIL.sub("", FLIGHT.sub(" ", second, count=1)).strip()
    first = LOCATOR_TAIL.sub("", head.group("rest")).strip()
    first, second = _strip_airline(first, second, airline)
    seg["origin"], seg["destination"] = _places(first, second)

    joined = "\n".join(block)
    times = [f"{h}:{mi}" for h, mi in TIME.findall(joined)]
    seg["departure_time"], seg["arrival_time"] = _order_times(times, (arrival - departure).days)
    bag = re.search(r"L[íi]mite de equipaje\s+(\S+)", joined)
    seg["baggage"] = bag.group(1) if bag else None
    status = STATUS.search(joined)
    seg["status"] = status.group(1) if status else None
    basis = re.search(r"Base de tarifa\s+([A-Z0-9/]+)\b", joined)
    seg["fare_basis"] = basis.group(1) if basis else None
    return seg


def _strip_airline(first: str, second: str, airline: str) -> tuple[str, str]:
    """Remove the airline column (its name wraps over both lines) from the place text."""
    first_words, second_words, name = first.split(), second.split(), airline.upper().split()
    k = 0
    while k < len(name) and k < len(first_words) and first_words[k].upper() == name[k]:
        k += 1
    if k == 0:
        return first, second
    rest = name[k:]
    j = 0
    while j < len(rest) and j < len(second_words) and second_words[j].upper() == rest[j]:
        j += 1
    return " ".join(first_words[k:]), " ".join(second_words[j:])


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    try:
        import pycountry
    except ImportError:  # the place split then falls back to the layout alone
        return frozenset()
    names = set()
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                names.add(value.upper())
                names.add(value.split(",")[0].upper())
    names.update({"USA", "UNITED STATES", "UK", "ENGLAND", "RUSSIA", "VENEZUELA", "BOLIVIA"})
    return frozenset(names)


def _places(first: str, second: str) -> tuple[str | None, str | None]:
    """Rebuild `CITY, COUNTRY` for origin and destination.

    `first` is "<origin city>, [origin country] <destination city>, [destination country]"
    and `second` holds the country words that wrapped; the split that makes both
    countries known country names wins.
    """
    parts = first.split(",")
    if len(parts) < 3:
        words = [collapse(p) for p in parts if collapse(p)]
        return (words[0] if words else None), (words[1] if len(words) > 1 else collapse(second))
    origin_city = collapse(parts[0]) or ""
    middle = (collapse(parts[1]) or "").split()
    dest_line1 = (collapse(",".join(parts[2:])) or "").split()
    wrapped = second.split()
    countries = _countries()
    best: tuple[int, int, int] | None = None
    for i in range(len(middle)):  # the destination city keeps at least one word
        for j in range(len(wrapped) + 1):
            origin_country = " ".join(middle[:i] + wrapped[:j])
            dest_country = " ".join(dest_line1 + wrapped[j:])
            score = (origin_country in countries) + (dest_country in countries)
            score += bool(origin_country) + bool(dest_country)  # prefer complete places
            if best is None or score > best[0]:
                best = (score, i, j)
    assert best is not None
    _, i, j = best
    origin_country = " ".join(middle[:i] + wrapped[:j])
    dest_country = " ".join(dest_line1 + wrapped[j:])
    dest_city = " ".join(middle[i:])
    origin = f"{origin_city}, {origin_country}" if origin_country else origin_city
    destination = f"{dest_city}, {dest_country}" if dest_country else dest_city
    return origin or None, destination or None


def _order_times(times: list[str], day_offset: int) -> tuple[str | None, str | None]:
    """Departure and arrival among the two printed times.

    The PDF text may print the arrival first; the order whose block time (with the
    printed arrival date) is plausible is kept.
    """
    if not times:
        return None, None
    if len(times) == 1:
        return times[0], None
    a, b = times[0], times[1]

    def minutes(t: str) -> int:
        return int(t[:2]) * 60 + int(t[3:])

    def plausible(dep: str, arr: str) -> bool:
        return 0 <= minutes(arr) - minutes(dep) + day_offset * 1440 <= MAX_BLOCK_MINUTES

    if not plausible(a, b) and plausible(b, a):
        return b, a
    return a, b


# ------------------------------------------------------------------ payment
def _payment(text: str, record: dict) -> None:
    record["form_of_payment"] = collapse(_value(text, r"^Forma de pago\s+(.+)$"))
    fare = re.search(r"(?m)^Tarifa\s+([A-Z]{3})\s+([\d.,]+)", text)
    total = re.search(r"(?m)^Tarifa total\s+([A-Z]{3})\s+([\d.,]+)", text)
    if fare:
        record["currency"], record["fare"] = fare.group(1), parse_amount(fare.group(2))
    if total:
        record["currency"], record["total"] = total.group(1), parse_amount(total.group(2))
    block = block_between(text, r"^Impuestos", r"^Tarifa total")
    taxes = []
    if block:
        for m in re.finditer(r"\b([A-Z]{3})\s+(\d[\d.,]*)\s+([A-Z0-9]{2})\b", block):
            taxes.append({"code": m.group(3), "amount": parse_amount(m.group(2))})
    record["taxes"] = taxes
    record["taxes_total"] = sum_amounts([t["amount"] for t in taxes])
    if re.search(r"(?i)\b(CAMBIO|EXCHANGE|REEMISI[ÓO]N)\b.*\b\d{13}\b", text):
        record["is_exchange"] = True
