"""Copa Airlines / Farelogix itinerary e-mails ("Itinerario para localizador de reserva",
"Itinerary for Record Locator"), in Spanish or English, from the HTML part or a plain-text
export. The carrier of a segment comes from its logo (`/Providers/Air/CM.gif`) or, in a
text export without logos, from the airline's printed name. The invoice section prints each
passenger's ticket with its issue date and, when priced, fare, taxes and total under
column headers read through their labels."""

from __future__ import annotations

import re
from datetime import date

from .common import (
    collapse,
    given_first_to_record,
    hhmm,
    iso,
    new_record,
    new_segment,
    parse_amount,
    ticket_digits,
)
from .vocabulary import (
    AIRLINE_CODES,
    TICKET_PREFIX_CARRIER,
    infer_year,
    label_pattern,
    make_date,
    month_number,
    strip_accents,
)

PASSENGER = re.compile(r"^(?P<name>[A-Z][A-Z' .-]+?)\s*\((?P<ptc>ADT|CHD|CNN|INF|INS|YTH|SRC)\)")
# `MI. 15ABR.`, `THU 22JAN`, `SÁ. 3MAR.`: weekday (with or without a period), day and month.
DATE_CELL = re.compile(r"^(?:\w{2,3}\.?\s+|\w{2,3}\.)?(\d{1,2})\s?([A-Za-z]{3})\.?$")
TICKET_LINE = re.compile(
    r"(?:Billete electr\wnico|Bilhete eletr\wnico|E-?ticket|Electronic ticket)"
    r"\s+(\d{13})\s+(\d{1,2})([A-Z]{3})\.?(\d{2,4})",
    re.IGNORECASE,
)
MONEY = re.compile(r"(?:(?<![A-Z])([A-Z]{3})\s*)?(\d{1,3}(?:,\d{3})*\.\d{2}|\d+\.\d{2})(?!\d)")
# Price columns of the invoice section, by a word of their header (`Total Fare` is a total).
PRICE_COLUMNS = (
    ("taxes_total", re.compile(label_pattern("tax", "impuesto", "tasa", "taxa"), re.IGNORECASE)),
    ("total", re.compile(label_pattern("total", "importe", "valor total"), re.IGNORECASE)),
    ("fare", re.compile(label_pattern("fare", "tarifa"), re.IGNORECASE)),
)
CURRENCY_IN_HEADER = re.compile(r"\b(?-i:([A-Z]{3}))\b")
TIME_CELL = re.compile(r"^\d{1,2}:\d{2}(\s*[AP]\.?M\.?)?$", re.IGNORECASE)


def _cells(line: str) -> list[str]:
    return [c.strip() for c in re.split(r"\t+|\s{2,}", line.strip()) if c.strip()]


def parse(text: str) -> list[dict]:
    lines = [line.rstrip() for line in text.split("\n")]
    pnr = re.search(
        r"(?i)(?:localizador de reserva|record locator|localizador da reserva)\s+(?-i:([A-Z0-9]{5,8}))\b", text
    )
    airline_m = re.search(
        r"(?m)^[ \t]*(?![^\n]*(?:Itinerary for|Itinerario para|Itiner[áa]rio para))(\S[^\n]*?)\s+"
        r"(?:Localizador de reserva|Record Locator|Localizador da reserva)\s+([A-Z0-9]{5,8})\s*$",
        text,
    )
    airline_name = airline_m.group(1).strip() if airline_m else None

    tickets = _tickets(lines)
    issue = tickets[0][2] if tickets else None
    segments = _segments(lines, issue)

    code = None
    if airline_name:
        code = next((s["carrier"] for s in segments if s.pop("_airline", None) == airline_name), None)
    for s in segments:
        s.pop("_airline", None)
    if code is None and airline_name:
        code = AIRLINE_CODES.get(strip_accents(airline_name).upper())
    if code is None and tickets:
        code = TICKET_PREFIX_CARRIER.get(tickets[0][1][:3])
    if code is None and segments:
        code = segments[0]["carrier"]

    records = []
    for name, number, issued, prices in tickets:
        record = new_record("copa")
        record.update(prices)
        record["passenger_name"] = name
        record["ticket_number"] = number
        record["issue_date"] = iso(issued)
        record["pnr"] = pnr.group(1) if pnr else None
        record["airline_pnr"] = airline_m.group(2) if airline_m else None
        record["issuing_airline"] = {"name": airline_name or code, "code": code} if (airline_name or code) else None
        record["segments"] = [dict(s) for s in segments]
        records.append(record)
    return records


def _tickets(lines: list[str]) -> list[tuple[str, str, date | None, dict]]:
    """(passenger, ticket number, issue date, prices) from the invoice section."""
    tickets = []
    passenger = None
    columns: list[str] = []
    header_currency = None
    for line in lines:
        m = PASSENGER.match(line.strip())
        if m:
            passenger = given_first_to_record(m.group("name").split())
            columns, header_currency = _price_columns(line[m.end() :])
            continue
        t = TICKET_LINE.search(line)
        if t and passenger:
            month = month_number(t.group(3))
            issued = make_date(int(t.group(2)), month, int(t.group(4))) if month else None
            prices = _prices(line[t.end() :], columns, header_currency)
            tickets.append((passenger, ticket_digits(t.group(1)), issued, prices))
    return tickets


def _price_columns(header: str) -> tuple[list[str], str | None]:
    """The price columns a passenger's invoice header names, in order, and a currency
    the header prints for them (`Total (USD)`)."""
    columns, currency = [], None
    for cell in _cells(header):
        for key, label in PRICE_COLUMNS:
            if label.search(cell):
                columns.append(key)
                code = CURRENCY_IN_HEADER.search(cell)
                if code and code.group(1) not in {"TAX", "FEE", "IVA", "IGV"}:
                    currency = currency or code.group(1)
                break
    return columns, currency


def _prices(row: str, columns: list[str], header_currency: str | None) -> dict:
    """Fare, tax total and total of a ticket row. Amounts are kept only under a header
    that names them and with their currency: an unlabelled number is not guessed at."""
    amounts = MONEY.findall(row)
    prices: dict = {}
    if not columns or len(amounts) != len(columns):
        return prices
    currencies = {cur for cur, _ in amounts if cur} or ({header_currency} if header_currency else set())
    if len(currencies) != 1:
        return prices
    for key, (_, amount) in zip(columns, amounts, strict=True):
        prices[key] = parse_amount(amount)
    prices["currency"] = currencies.pop()
    return prices


def _segments(lines: list[str], issue: date | None) -> list[dict]:
    segments = []
    carrier = None
    i = 0
    while i < len(lines):
        line = lines[i]
        logo = re.search(r"/Providers/Air/([A-Z0-9]{2})\.(?:gif|png|jpg)", line)
        if logo:
            carrier = logo.group(1)
            i += 1
            continue
        cells = _cells(line)
        if len(cells) >= 3 and re.fullmatch(r"\d{1,4}", cells[1]) and re.search(r"[A-Za-z]", cells[0]):
            flow = cells[2:]
            j = i + 1
            # The row wraps over the next lines until the passenger list starts.
            while j < len(lines) and not PASSENGER.match(lines[j].strip()) and "/Providers/Air/" not in lines[j]:
                flow.extend(_cells(lines[j]))
                j += 1
            seg = _segment(flow, issue)
            if seg:
                seg["carrier"] = carrier or AIRLINE_CODES.get(strip_accents(cells[0]).upper())
                seg["flight_number"] = cells[1]
                seg["_airline"] = cells[0]
                segments.append(seg)
            i = j
            continue
        i += 1
    return [s for s in segments if s["carrier"]]


def _segment(flow: list[str], issue: date | None) -> dict | None:
    flow = [c for c in flow if not c.lower().startswith("terminal")]
    places, dates, times, letters = [], [], [], []
    for cell in flow:
        if DATE_CELL.match(cell):
            dates.append(DATE_CELL.match(cell))
        elif TIME_CELL.match(cell):
            times.append(hhmm(cell))
        elif re.fullmatch(r"[A-Z]", cell):
            letters.append(cell)
        elif len(places) < 2:
            places.append(cell)
    if len(places) < 2 or not dates or not times:
        return None
    seg = new_segment()
    seg["origin"], seg["destination"] = collapse(places[0]), collapse(places[1])
    day, month = int(dates[0].group(1)), month_number(dates[0].group(2))
    seg["departure_date"] = iso(infer_year(day, month, issue)) if month else None
    seg["departure_time"] = times[0]
    seg["arrival_time"] = times[1] if len(times) > 1 else None
    seg["booking_class"] = letters[0] if letters else None
    return seg
