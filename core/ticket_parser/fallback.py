"""What every e-ticket carries, read from a document whose layout no format parser knows.

The extractor looks for labelled values only (a ticket number, a record locator, a
passenger, the issue date, the fare and the total with their currency) and for flight
lines (carrier + number, two places, a date), and returns a *partial* record: the fields
it found, the others null, and `missing` listing them. It never guesses: an amount
without a currency, a name without a label or a place without a flight is left out.
"""

from __future__ import annotations

import re
from datetime import date

from .common import (
    clean_name,
    collapse,
    given_first_to_record,
    header_date,
    iso,
    new_record,
    new_segment,
    parse_amount,
    strip_titles,
    ticket_digits,
)
from .vocabulary import CURRENCY_SYMBOLS, MONTHS, TICKET_PREFIX_CARRIER, WEEKDAYS, find_date, find_times, label_pattern

# The fields whose absence makes a record partial (the rest are null on many complete records).
REQUIRED_FIELDS = ("ticket_number", "passenger_name", "pnr", "issue_date", "segments", "currency", "fare", "total")

TICKET_LABEL = label_pattern(
    "ticket number", "ticket no", "ticket nbr", "e-ticket", "eticket", "electronic ticket", "ticket", "tkt",
    "número de boleto", "nro de boleto", "boleto electrónico", "boleto", "billete electrónico", "billete",
    "número de billete", "tiquete", "número do bilhete", "bilhete eletrônico", "bilhete",
)  # fmt: skip
LOCATOR_LABEL = label_pattern(
    "record locator", "booking reference", "booking ref", "booking code", "reservation code", "confirmation code",
    "confirmation number", "pnr", "localizador de reserva", "localizador", "código de reserva",
    "código de reservación", "código de confirmación", "código da reserva", "localizador da reserva",
)  # fmt: skip
PASSENGER_LABEL = label_pattern(
    "passenger name", "passenger", "traveller", "traveler", "pasajero", "nombre del pasajero", "viajero",
    "passageiro", "nome do passageiro",
)  # fmt: skip
# A bare "name" may name anyone (the agency, a contact): only a `SURNAME/GIVEN` value is taken.
NAME_LABEL = label_pattern("name", "nombre", "nome")
ISSUE_LABEL = label_pattern(
    "issue date", "date of issue", "issued", "fecha de emisión", "emitido", "emisión", "data de emissão",
    "emissão", "emitido em",
)  # fmt: skip
TOTAL_LABEL = label_pattern(
    "grand total", "total amount", "total fare", "total to pay", "total", "importe total", "total a pagar",
    "tarifa total", "valor total", "total pagado", "total geral",
)  # fmt: skip
FARE_LABEL = label_pattern(
    "base fare", "air fare", "fare", "tarifa base", "tarifa aérea", "tarifa", "valor da tarifa", "tarifa básica",
)  # fmt: skip

SEP = r"[ \t]*[:.#]?[ \t]*(?:N[º°o]\.?[ \t]*)?"
TICKET = re.compile(rf"(?im)\b{TICKET_LABEL}{SEP}(\d{{3}}[- ]?\d{{10}})(?!\d)")
LOCATOR = re.compile(rf"(?im)\b{LOCATOR_LABEL}{SEP}(?:[A-Z0-9]{{1,3}}/)?(?-i:([A-Z0-9]{{6}}))\b")
PASSENGER = re.compile(
    rf"(?im)^[ \t]*(?:(?P<passenger>{PASSENGER_LABEL})|{NAME_LABEL}){SEP}"
    r"(?:(?:MR|MRS|MS|SR|SRA)\.?\s+)?(?P<value>\S[^\n]*)$"
)
ISSUE = re.compile(rf"(?im)\b{ISSUE_LABEL}[ \t]*:?[ \t]*([^\n]{{4,40}})")
MONEY = (
    r"(?P<cur>[A-Z]{3}|US\$|U\$S|S/\.?|R\$|€|Bs\.?S?)?[ \t]*"
    r"(?P<amount>\d{1,3}(?:[.,\s]\d{3})*(?:[.,]\d{2})|\d+(?:[.,]\d{2})?)(?:[ \t]*(?P<cur_after>[A-Z]{3}))?"
)
TOTAL = re.compile(rf"(?im)^[ \t]*{TOTAL_LABEL}[ \t]*(?:\([^)\n]*\))?[ \t]*:?[ \t]*{MONEY}[ \t]*$")
FARE = re.compile(rf"(?im)^[ \t]*{FARE_LABEL}[ \t]*:?[ \t]*{MONEY}[ \t]*$")
FLIGHT = re.compile(r"(?<![A-Z0-9])(?P<carrier>[A-Z][A-Z0-9]|[0-9][A-Z])[ \t]?(?P<number>\d{1,4})(?![\d:])")
CODE_PAIR = re.compile(r"(?<![A-Z])([A-Z]{3})[ \t]*(?:-|/|–|→|>|\bTO\b|\bA\b)[ \t]*([A-Z]{3})(?![A-Z])")
CODE = re.compile(r"(?<![A-Za-z])([A-Z]{3})(?![A-Za-z])")
CURRENCY_CODES = {
    "USD", "EUR", "VES", "VEF", "VEB", "PEN", "COP", "BRL", "ARS", "CLP", "MXN", "PAB", "DOP", "BOB", "GBP", "CAD",
    "UYU", "PYG", "CRC", "GTQ", "HNL", "NIO", "CUP", "TTD", "AWG", "ANG", "CHF",
}  # fmt: skip
# Three-letter words that are not airports (months, weekdays, currencies, ticket jargon).
NOT_PLACES = set(MONTHS) | WEEKDAYS | CURRENCY_CODES | {
    "THE", "AND", "TKT", "PNR", "ADT", "CHD", "INF", "NIL", "FLT", "DEP", "ARR", "TAX", "FEE", "VIA", "OPE", "NVB",
    "NVA", "BAG", "CAB", "SEAT", "YES", "NON", "END", "ROE", "NUC", "XT", "FOR", "TOTAL",
}  # fmt: skip


# Thirteen digits, maybe split after the airline's three: "075-2100000017".
BARE_TICKET = re.compile(r"(?<![\d-])(\d{3})[- ]?(\d{10})(?![\d-])")


def _unlabelled_ticket_numbers(text: str) -> list[str]:
    """Ticket numbers printed under a label nobody listed: thirteen digits
    that start with an airline's accounting code, and only one such number
    (two would be a guess)."""
    numbers = {a + b for a, b in BARE_TICKET.findall(text) if a in TICKET_PREFIX_CARRIER}
    return list(numbers) if len(numbers) == 1 else []


def extract_partial(text: str, fmt: str = "unknown") -> list[dict]:
    """The partial record of a document (a one-item list), or [] when it holds
    no ticket identity (a ticket number, or a record locator with a passenger or a flight)."""
    record = new_record(fmt)
    numbers = list(dict.fromkeys(ticket_digits(m.group(1)) for m in TICKET.finditer(text)))
    numbers = [n for n in numbers if n] or _unlabelled_ticket_numbers(text)
    record["ticket_number"] = numbers[0] if numbers else None
    locator = LOCATOR.search(text)
    record["pnr"] = locator.group(1) if locator and re.search(r"[A-Z]", locator.group(1)) else None
    record["passenger_name"] = _passenger(text)
    issue_m = ISSUE.search(text)
    issue = find_date(issue_m.group(1)) if issue_m else None
    record["issue_date"] = iso(issue)
    # Flights printed without their year take it from the issue date, else from the e-mail's date.
    record["segments"] = _flights(text, issue or header_date(text))
    _money(text, record)
    if not has_identity(record):
        return []
    record["missing"] = missing_fields(record)
    return [record]


def has_identity(record: dict) -> bool:
    """A ticket number, or a record locator with a passenger or a flight, and
    something else read beside it: what makes a partial record worth reviewing."""
    if record.get("ticket_number"):
        return any(record.get(key) for key in ("pnr", "passenger_name", "segments", "total"))
    return bool(record.get("pnr") and (record.get("passenger_name") or record.get("segments")))


def missing_fields(record: dict) -> list[str]:
    """The required fields a record lacks, sorted."""
    return sorted(key for key in REQUIRED_FIELDS if record.get(key) in (None, "", []))


def _passenger(text: str) -> str | None:
    for m in PASSENGER.finditer(text):
        value = re.split(r"\s{2,}|\t", m.group("value").strip())[0]
        value = re.sub(r"\((?:ADT|CHD|CNN|INF|YTH|SRC)\)", "", value).strip()
        if re.fullmatch(r"[A-Za-zÀ-ÿ' -]+/[A-Za-zÀ-ÿ' .-]+", value):
            return clean_name(value)
        words = value.split()
        if m.group("passenger") and 2 <= len(words) <= 5 and all(re.fullmatch(r"[A-ZÀ-Ý'-]+", w) for w in words):
            # Printed given-first in capitals (`ANA PEREZ`): SCHEMA's `SURNAME/GIVEN`.
            return strip_titles(given_first_to_record(words))
    return None


def _flights(text: str, issue: date | None) -> list[dict]:
    """Flight lines: a carrier and number, two places (codes, or `X - Y` names) and a date."""
    segments = []
    for line in text.split("\n"):
        if len(line) > 300:
            continue
        flight = FLIGHT.search(line)
        if not flight or flight.group("carrier") in NOT_PLACES:
            continue
        rest = line[: flight.start()] + " " + line[flight.end() :]
        day = find_date(rest, issue)
        places = _places(rest)
        if day is None or places is None:
            continue
        seg = new_segment()
        seg["carrier"], seg["flight_number"] = flight.group("carrier"), flight.group("number")
        seg["origin"], seg["destination"] = places
        if re.fullmatch(r"[A-Z]{3}", places[0]):
            seg["origin_code"] = places[0]
        if re.fullmatch(r"[A-Z]{3}", places[1]):
            seg["destination_code"] = places[1]
        seg["departure_date"] = iso(day)
        times = find_times(rest)
        seg["departure_time"] = times[0] if times else None
        seg["arrival_time"] = times[1] if len(times) > 1 else None
        segments.append(seg)
    return segments


def _places(rest: str) -> tuple[str, str] | None:
    pair = CODE_PAIR.search(rest)
    if pair and pair.group(1) not in NOT_PLACES and pair.group(2) not in NOT_PLACES:
        return pair.group(1), pair.group(2)
    codes = [c for c in CODE.findall(rest) if c not in NOT_PLACES]
    if len(codes) >= 2:
        return codes[0], codes[1]
    # `Caracas - Madrid`: two names around a dash or an arrow.
    named = re.search(r"([A-Za-zÀ-ÿ][A-Za-zÀ-ÿ .]{2,40}?)\s+(?:-|–|→|>|a|to)\s+([A-Za-zÀ-ÿ][A-Za-zÀ-ÿ .]{2,40})", rest)
    if named:
        origin, destination = collapse(named.group(1)), collapse(named.group(2))
        if origin and destination and origin.upper() not in NOT_PLACES and destination.upper() not in NOT_PLACES:
            return origin, destination
    return None


def _money(text: str, record: dict) -> None:
    total = TOTAL.search(text)
    fare = FARE.search(text)
    total_cur = _currency(total) if total else None
    fare_cur = _currency(fare) if fare else None
    currency = total_cur or fare_cur
    # An amount is kept only with its currency: a bare `$` or no symbol names none.
    if total and total_cur:
        record["total"] = parse_amount(total.group("amount"))
    if fare and fare_cur and fare_cur == currency:
        record["fare"] = parse_amount(fare.group("amount"))
    if record["total"] or record["fare"]:
        record["currency"] = currency


def _currency(m: re.Match) -> str | None:
    raw = (m.group("cur") or m.group("cur_after") or "").upper()
    if raw in CURRENCY_SYMBOLS:
        return CURRENCY_SYMBOLS[raw]
    return raw if raw in CURRENCY_CODES or (len(raw) == 3 and raw.isalpha() and raw not in NOT_PLACES) else None
