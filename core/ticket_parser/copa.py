"""Copa Airlines / Farelogix itinerary e-mails ("Itinerario para localizador de reserva")."""

from __future__ import annotations

import re
from datetime import date

from .common import (
    MONTHS,
    collapse,
    given_first_to_record,
    hhmm,
    infer_year,
    iso,
    make_date,
    new_record,
    new_segment,
    ticket_digits,
)

# Validating carriers by ticket prefix, for when no carrier logo names the code.
TICKET_PREFIX_CARRIER = {"230": "CM", "134": "AV", "045": "LA", "075": "IB"}
PASSENGER = re.compile(r"^(?P<name>[A-Z][A-Z' .-]+?)\s*\((?P<ptc>ADT|CHD|CNN|INF|INS|YTH|SRC)\)")
# `MI. 15ABR.`: weekday (accented in Spanish, `SÁ.`), day and month.
DATE_CELL = re.compile(r"^(?:\w{2,3}\.\s*)?(\d{1,2})([A-Za-z]{3})\.?$")
TICKET_LINE = re.compile(
    r"(?:Billete electr\wnico|E-?ticket|Electronic ticket)\s+(\d{13})\s+(\d{1,2})([A-Z]{3})\.?(\d{2,4})", re.IGNORECASE
)
TIME_CELL = re.compile(r"^\d{1,2}:\d{2}(\s*[AP]\.?M\.?)?$", re.IGNORECASE)


def _cells(line: str) -> list[str]:
    return [c.strip() for c in re.split(r"\t+|\s{2,}", line.strip()) if c.strip()]


def parse(text: str) -> list[dict]:
    lines = [line.rstrip() for line in text.split("\n")]
    pnr = re.search(r"(?i)(?:localizador de reserva|record locator)\s+([A-Z0-9]{5,8})\b", text)
    airline_m = re.search(
        r"(?m)^[ \t]*(\S[^\n]*?)\s+(?:Localizador de reserva|Record Locator)\s+([A-Z0-9]{5,8})\s*$", text
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
    if code is None and tickets:
        code = TICKET_PREFIX_CARRIER.get(tickets[0][1][:3])
    if code is None and segments:
        code = segments[0]["carrier"]

    records = []
    for name, number, issued in tickets:
        record = new_record("copa")
        record["passenger_name"] = name
        record["ticket_number"] = number
        record["issue_date"] = iso(issued)
        record["pnr"] = pnr.group(1) if pnr else None
        record["airline_pnr"] = airline_m.group(2) if airline_m else None
        record["issuing_airline"] = {"name": airline_name or code, "code": code} if (airline_name or code) else None
        record["segments"] = [dict(s) for s in segments]
        records.append(record)
    return records


def _tickets(lines: list[str]) -> list[tuple[str, str, date | None]]:
    """(passenger, ticket number, issue date) from the invoice section."""
    tickets = []
    passenger = None
    for line in lines:
        m = PASSENGER.match(line.strip())
        if m:
            passenger = given_first_to_record(m.group("name").split())
            continue
        t = TICKET_LINE.search(line)
        if t and passenger:
            month = MONTHS.get(t.group(3).upper())
            issued = make_date(int(t.group(2)), month, int(t.group(4))) if month else None
            tickets.append((passenger, ticket_digits(t.group(1)), issued))
    return tickets


def _segments(lines: list[str], issue: date | None) -> list[dict]:
    segments = []
    carrier = None
    i = 0
    while i < len(lines):
        line = lines[i]
        logo = re.search(r"/Providers/Air/([A-Z0-9]{2})\.(?:gif|png)", line)
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
                seg["carrier"] = carrier
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
    day, month = int(dates[0].group(1)), MONTHS.get(dates[0].group(2).upper())
    seg["departure_date"] = iso(infer_year(day, month, issue)) if month else None
    seg["departure_time"] = times[0]
    seg["arrival_time"] = times[1] if len(times) > 1 else None
    seg["booking_class"] = letters[0] if letters else None
    return seg
