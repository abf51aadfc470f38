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
    block_between,
    clean_name,
    collapse,
    iso,
    new_record,
    new_segment,
    parse_amount,
    strip_document_prefix,
    sum_amounts,
    ticket_digits,
)
from .vocabulary import (
    AIRLINE_CODES,
    MONTH_WORD,
    TICKET_PREFIX_CARRIER,
    find_times,
    label_pattern,
    make_date,
    month_number,
)

# The receipt's labels in Spanish, English and Portuguese (Sabre prints it in the agency's language).
PREPARED_FOR = label_pattern("Preparado para", "Prepared for", "Preparado por")
PNR = label_pattern("Código de reservación", "Reservation code", "Código de reserva", "Localizador da reserva",
                    "Localizador de reserva", "Booking reference")  # fmt: skip
ISSUE_DATE = label_pattern("Fecha de emisión", "Issue date", "Date of issue", "Data de emissão", "Data da emissão")
TICKET = label_pattern("Número de boleto", "Número del boleto", "Ticket number", "Número do bilhete",
                       "Número de bilhete", "Número de billete")  # fmt: skip
AIRLINE = label_pattern("Aerolínea emisora", "Issuing airline", "Companhia aérea emissora", "Cia aérea emissora",
                        "Compañía aérea emisora")  # fmt: skip
AGENT = label_pattern("Agente emisor", "Issuing agent", "Agente emissor")
CUSTOMER = label_pattern("Número de cliente", "Customer number", "Número do cliente")
# The airline's own locator: its label wraps in the PDF text, so only its last words are
# matched, in the case the receipt prints them (the header labels are in capitals).
AIRLINE_LOCATOR = re.compile(
    r"(?:aerol[íi]nea|Airline Reservation Code|Reservation Code|Code|companhia a[ée]rea|da a[ée]rea)"
    r"\s+([A-Z0-9]{5,8})\b"
)
PASSENGER_LINE = re.compile(r"^([A-ZÀ-Ý][A-ZÀ-Ý' .-]*/[A-ZÀ-Ý][A-ZÀ-Ý' .-]*?)\s*(?:\[([^\]]*)\])?\s*$")
DEPARTURE = label_pattern("Salida", "Departure", "Partida", "Saída")
OPERATED_BY = label_pattern("Operado por", "Operated by")
VALIDITY = re.compile(label_pattern("válido", "valid"), re.IGNORECASE)
ARRIVAL = label_pattern("Llegada", "Arrival", "Chegada")
BAGGAGE = label_pattern("Límite de equipaje", "Baggage allowance", "Franquia de bagagem", "Equipaje", "Bagagem")
FARE_BASIS = label_pattern("Base de tarifa", "Fare basis", "Base tarifária", "Base da tarifa")
SEGMENT_END = label_pattern("Esta no es una tarjeta de embarque", "This is not a boarding pass",
                            "Este não é um cartão de embarque", "Detalles de pago", "Payment details",
                            "Payment/Fare details", "Detalhes do pagamento", "Detalhes de pagamento",
                            "Forma de pago", "Form of payment", "Forma de pagamento")  # fmt: skip
FORM_OF_PAYMENT = label_pattern("Forma de pago", "Form of payment", "Forma de pagamento")
FARE = label_pattern("Tarifa", "Fare", "Base fare", "Tarifa base")
TOTAL = label_pattern("Tarifa total", "Total fare", "Total", "Total da tarifa", "Valor total")
TAXES = label_pattern("Impuestos", "Taxes", "Taxas", "Impostos")
EXCHANGE = label_pattern("Cambio", "Exchange", "Reemisión", "Reissue", "Troca", "Reemissão")

DATE = rf"(\d{{1,2}})\s*({MONTH_WORD})\.?\s*(\d{{4}}|\d{{2}})(?!\d)"
SEGMENT_START = re.compile(rf"^(?:(?P<label>{DEPARTURE})\s*:\s*)?{DATE}(?:\s+(?P<rest>\S.*))?$", re.IGNORECASE)
ARRIVAL_LINE = re.compile(rf"^{ARRIVAL}\s*:\s*{DATE}\s*", re.IGNORECASE)
FLIGHT = re.compile(r"(?<![\w.])([A-Z][A-Z0-9]|[0-9][A-Z])\s(\d{1,4})(?![\w.])")
STATUS = re.compile(
    r"\b(NO CONFIRMADO|NOT CONFIRMED|CONFIRMADO|CONFIRMADA|CONFIRMED|CANCELADO|CANCELADA|CANCELLED|CANCELED|"
    r"EN LISTA DE ESPERA|LISTA DE ESPERA|WAITLISTED|WAITLIST|SOLICITADO|REQUESTED|PENDIENTE|PENDENTE)\b"
)
LOCATOR_TAIL = re.compile(
    r"\s*(?:C[óo]digo de reservaci[óo]n de(?: la)?|(?:la\s+)?aerol[íi]nea\s+[A-Z0-9]{5,8}|Airline Reservation(?: Code)?"
    r"(?:\s+[A-Z0-9]{5,8})?|Code\s+[A-Z0-9]{5,8}|C[óo]digo de reserva da(?: companhia)?|"
    r"(?:companhia\s+)?a[ée]rea\s+[A-Z0-9]{5,8})\s*$"
)
MAX_BLOCK_MINUTES = 20 * 60


def _date(day: str, month: str, year: str) -> date | None:
    number = month_number(month)
    return make_date(int(day), number, int(year)) if number else None


def _value(text: str, label: str, value: str = r"(.+)") -> str | None:
    """The value printed after a label at the start of a line."""
    m = re.search(rf"(?im)^[ \t]*{label}[ \t]*:?[ \t]*{value}", text)
    return m.group(1).strip() if m else None


def parse(text: str) -> list[dict]:
    record = new_record("sabre")
    lines = [line.strip() for line in text.split("\n")]
    customer = _value(text, CUSTOMER, r"(?-i:([A-Z0-9]+))")
    name = _passenger_line(lines)
    if name:
        record["passenger_name"] = clean_name(name.group(1))
        bracket = (name.group(2) or "").strip()
        # The bracket holds the passenger's document, or else the agency's customer number.
        if bracket and bracket != customer:
            record["passenger_document"] = strip_document_prefix(bracket)
    record["pnr"] = _value(text, PNR, r"(?-i:([A-Z0-9]{5,8}))\b")
    issue_m = re.search(rf"(?im)^[ \t]*{ISSUE_DATE}[ \t]*:?[ \t]*{DATE}", text)
    issue = _date(*issue_m.groups()) if issue_m else None
    record["issue_date"] = iso(issue)
    record["ticket_number"] = ticket_digits(_value(text, TICKET, r"(\d[\d -]{11,16}\d)"))
    airline = _value(text, AIRLINE)
    record["issuing_agent"] = _value(text, AGENT)
    locator = AIRLINE_LOCATOR.search(text)
    record["airline_pnr"] = locator.group(1) if locator and locator.group(1) != record["pnr"] else None
    record["segments"] = _segments(lines, airline or "")
    if airline:
        # The first flight's carrier, or without flights the airline the ticket number belongs to.
        code = record["segments"][0]["carrier"] if record["segments"] else None
        code = code or TICKET_PREFIX_CARRIER.get((record["ticket_number"] or "")[:3])
        record["issuing_airline"] = {"name": airline, "code": code}
    _payment(text, record)
    return [record]


def _passenger_line(lines: list[str]) -> re.Match | None:
    """`SURNAME/GIVEN [document]`: after "Preparado para" on its line or the next ones;
    the PDF text may also print it just before the label, or (label lost) alone among
    the header lines above the flights."""
    prepared_re = re.compile(rf"^{PREPARED_FOR}\s*:?\s*", re.IGNORECASE)
    prepared = next((i for i, line in enumerate(lines) if prepared_re.match(line)), None)
    if prepared is not None:
        rest = prepared_re.sub("", lines[prepared], count=1)
        nearby = [rest, *lines[prepared + 1 : prepared + 4], *reversed(lines[max(0, prepared - 2) : prepared])]
    else:
        nearby = lines[:40]
    labelled = re.compile(rf"^(?:{AGENT}|{AIRLINE}|{TICKET}|{PNR}|{ISSUE_DATE}|{CUSTOMER})", re.IGNORECASE)
    return next((m for line in nearby if (m := PASSENGER_LINE.match(line[:300])) and not labelled.match(line)), None)


# ------------------------------------------------------------------ flights
def _segments(lines: list[str], airline: str) -> list[dict]:
    starts = [i for i in range(len(lines)) if _starts_segment(lines, i, airline)]
    end_re = re.compile(rf"^{SEGMENT_END}", re.IGNORECASE)
    airlines = _airline_names(lines, airline)
    segments = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        stop = next((i for i in range(start + 1, end) if end_re.match(lines[i])), end)
        block = [line for line in lines[start:stop] if line]
        seg = _segment(block, airlines)
        if seg:
            segments.append(seg)
    return segments


def _starts_segment(lines: list[str], i: int, airline: str) -> bool:
    """A flight's first line: its date (after `Salida:`, or first on the line), then the
    airline and places columns (a place prints `CITY, COUNTRY`); or its date alone on
    the line, when a flight number follows and it is not a "not valid before" date."""
    m = SEGMENT_START.match(lines[i])
    if not m:
        return False
    rest = m.group("rest") or ""
    if m.group("label"):
        return True
    if rest:
        upper = rest.upper()
        return "," in rest or bool(LOCATOR_TAIL.search(rest)) or bool(airline and upper.startswith(airline.upper()))
    before = next((line for line in reversed(lines[max(0, i - 2) : i]) if line), "")
    if VALIDITY.search(before):
        return False
    following = [line for line in lines[i + 1 : i + 6] if line][:3]
    return any(FLIGHT.search(line) for line in following) and not any(SEGMENT_START.match(x) for x in following)


def _airline_names(lines: list[str], airline: str) -> list[list[str]]:
    """Names the airline column may print (issuing airline, operating carriers, known
    airlines), as word lists, longest first."""
    names = {airline.upper()} | set(AIRLINE_CODES)
    operated = re.compile(rf"^{OPERATED_BY}\s*:?\s*/?([A-Z][A-Z .&-]{{2,40}})$", re.IGNORECASE)
    for line in lines:
        m = operated.match(line)
        if m:
            names.add(m.group(1).strip().upper())
    return sorted((n.split() for n in names if n.strip()), key=len, reverse=True)


def _segment(block: list[str], airlines: list[list[str]]) -> dict | None:
    head = SEGMENT_START.match(block[0])
    departure = _date(head.group(2), head.group(3), head.group(4))
    if departure is None:
        return None
    seg = new_segment()
    seg["departure_date"] = iso(departure)

    # The flight prints in the airline column, on the first lines of the block.
    flight = next((m for line in block[:8] if (m := FLIGHT.search(_without_dates(line)))), None)
    if flight is None:
        return None
    seg["carrier"], seg["flight_number"] = flight.group(1), flight.group(2)

    # The places' lines: the rest of the date line (or the next line when the date stands
    # alone), then the line that holds `Llegada: <date>`, wrapped words and `la aerolínea XXX`.
    place_lines = ([head.group("rest")] if head.group("rest") else []) + block[1:]
    first, second = [*place_lines, "", ""][:2]
    arrival = departure
    m = ARRIVAL_LINE.match(second)
    if m:
        arrival = _date(m.group(1), m.group(2), m.group(3)) or departure
        second = second[m.end() :]
    first = LOCATOR_TAIL.sub("", FLIGHT.sub(" ", first, count=1) if FLIGHT.search(first) else first).strip()
    second = LOCATOR_TAIL.sub("", FLIGHT.sub(" ", second, count=1)).strip()
    if re.match(r"^(?:Cabina|Cabin|Cabine|Hora|Time|Operado|Operated)\b", second, re.IGNORECASE):
        second = ""
    first, second = _strip_airline(first, second, airlines)
    seg["origin"], seg["destination"] = _places(first, second)

    joined = "\n".join(block)
    # Validity dates and CO2 lines print no times; the column order of the two may be swapped.
    times = find_times(joined)
    seg["departure_time"], seg["arrival_time"] = _order_times(times, (arrival - departure).days)
    bag = re.search(
        rf"{BAGGAGE}\s*:?\s+(\d{{1,2}}\s?(?:PC|P|K|KG|PIECES?|PIEZAS?|PE[ÇC]AS?)\b|\S+)", joined, re.IGNORECASE
    )
    seg["baggage"] = bag.group(1).replace(" ", "") if bag else None
    status = STATUS.search(joined)
    seg["status"] = status.group(1) if status else None
    basis = re.search(rf"{FARE_BASIS}\s*:?\s+(?-i:([A-Z0-9/]+))\b", joined, re.IGNORECASE)
    seg["fare_basis"] = basis.group(1) if basis else None
    return seg


def _without_dates(line: str) -> str:
    return re.sub(DATE, " ", ARRIVAL_LINE.sub("", line), flags=re.IGNORECASE)


def _strip_airline(first: str, second: str, airlines: list[list[str]]) -> tuple[str, str]:
    """Remove the airline column (its name wraps over both lines) from the place text:
    the known airline name that covers most leading words of the first line."""
    first_words, second_words = first.split(), second.split()
    best_k, best_name = 0, []
    for name in airlines:
        k = 0
        while k < len(name) and k < len(first_words) and first_words[k].upper() == name[k]:
            k += 1
        if k > best_k:
            best_k, best_name = k, name
    if best_k == 0:
        return first, second
    rest = best_name[best_k:]
    j = 0
    while j < len(rest) and j < len(second_words) and second_words[j].upper() == rest[j]:
        j += 1
    return " ".join(first_words[best_k:]), " ".join(second_words[j:])


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
    record["form_of_payment"] = collapse(_value(text, FORM_OF_PAYMENT))
    money = r"(?-i:([A-Z]{3}))\s+(\d[\d.,]*)"
    fare = re.search(rf"(?im)^[ \t]*{FARE}[ \t]*:?[ \t]*{money}", text)
    total = re.search(rf"(?im)^[ \t]*{TOTAL}[ \t]*:?[ \t]*{money}", text)
    if fare:
        record["currency"], record["fare"] = fare.group(1), parse_amount(fare.group(2))
    if total:
        record["currency"], record["total"] = total.group(1), parse_amount(total.group(2))
    block = block_between(text, rf"(?i)^[ \t]*{TAXES}", rf"(?i)^[ \t]*{TOTAL}[ \t]*:?[ \t]*[A-Z]{{3}}")
    taxes = []
    if block:
        for m in re.finditer(r"\b([A-Z]{3})\s+(\d[\d.,]*)\s+([A-Z0-9]{2})\b", block):
            taxes.append({"code": m.group(3), "amount": parse_amount(m.group(2))})
    record["taxes"] = taxes
    record["taxes_total"] = sum_amounts([t["amount"] for t in taxes])
    if re.search(rf"(?i)\b{EXCHANGE}\b.*\b\d{{13}}\b", text):
        record["is_exchange"] = True
