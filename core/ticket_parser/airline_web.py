"""Purchase e-mails sent by the airlines' own websites (Avior, Estelar, Rutaca).

They print no issue date (the e-mail's Date header is used) and no airline code (the
airline is recognised by name). One price block may cover every passenger of the booking;
each record then carries that block as printed.
"""

from __future__ import annotations

import re
from datetime import date

from .common import (
    collapse,
    given_first_to_record,
    header_date,
    header_value,
    hhmm,
    iso,
    new_record,
    new_segment,
    parse_amount,
    ticket_digits,
)
from .vocabulary import infer_year, make_date, month_number

# Code and name as the airlines' own e-mails name themselves.
AIRLINES = {
    "AVIOR": ("9V", "Avior Airlines"),
    "ESTELAR": ("ES", "Estelar"),
    "RUTACA": ("5R", "Rutaca Airlines"),
}
CURRENCIES = {"BS": "VES", "BS.": "VES", "VES": "VES", "USD": "USD", "$": "USD", "US$": "USD", "EUR": "EUR"}
MONEY = re.compile(r"^(?P<cur>[A-Z]{2,3}\.?|\$|US\$)?\s*(?P<amount>\d[\d.,]*)$", re.IGNORECASE)


def parse(text: str) -> list[dict]:
    lines = [collapse(line) or "" for line in text.split("\n")]
    lines = [line for line in lines if line]
    code, name = _airline(text)
    issue = header_date(text)
    pnr = re.search(r"C[óo]digo de reserva\s*:?\s*\n?\s*([A-Z0-9]{5,8})\b", text)
    passengers = _passengers(lines)
    segments = _segments(lines, issue, code)
    prices = _prices(lines)

    records = []
    for passenger, ticket in passengers:
        record = new_record("airline_web")
        record.update(prices)
        record["passenger_name"] = passenger
        record["ticket_number"] = ticket
        record["pnr"] = pnr.group(1) if pnr else None
        record["issue_date"] = iso(issue)
        record["issuing_airline"] = {"name": name, "code": code} if name else None
        record["segments"] = [dict(s) for s in segments]
        record["taxes"] = [dict(t) for t in prices["taxes"]]
        records.append(record)
    return records


def _airline(text: str) -> tuple[str | None, str | None]:
    """The airline, from the template's own title/logo first: a footer may name a partner."""
    upper = text.upper()
    for pattern in (r"TICKETS\s+(AVIOR|ESTELAR|RUTACA)", r"\[(AVIOR|ESTELAR|RUTACA)[^\]]*LOGO\]",
                    r"GRACIAS POR VOLAR CON\s+(AVIOR|ESTELAR|RUTACA)"):  # fmt: skip
        m = re.search(pattern, upper)
        if m:
            return AIRLINES[m.group(1)]
    sender = (header_value(text, "From") or "").upper()
    for key, value in AIRLINES.items():
        if key in sender:
            return value
    counts = {key: upper.count(key) for key in AIRLINES}
    best = max(counts, key=lambda k: counts[k])
    return AIRLINES[best] if counts[best] else (None, None)


def _after(lines: list[str], idx: int) -> str | None:
    return lines[idx + 1] if idx + 1 < len(lines) else None


def _label(line: str, *labels: str) -> str | None:
    """Value of `Label: value` on one line, '' when the value is on the next line, else None."""
    for label in labels:
        m = re.match(rf"^{label}\s*:?\s*(.*)$", line, re.IGNORECASE)
        if m:
            return m.group(1).strip()
    return None


def _passengers(lines: list[str]) -> list[tuple[str, str]]:
    passengers = []
    given = surname = None
    for idx, line in enumerate(lines):
        value = _label(line, "Nombre")
        if value is not None and not line.lower().startswith("nombre de"):
            given, surname = (value or _after(lines, idx) or ""), None
            continue
        value = _label(line, "Apellidos?")
        if value is not None:
            surname = value or _after(lines, idx) or ""
            continue
        value = _label(line, r"N[úu]mero de (?:tiquete|ticket|boleto)")
        if value is not None and given is not None:
            ticket = ticket_digits(value or _after(lines, idx))
            if ticket:
                # Estelar/Rutaca print the surname apart; Avior prints one given-first field.
                name = f"{surname.upper()}/{given.upper()}" if surname else given_first_to_record(given.split())
                passengers.append((collapse(name), ticket))
            given = surname = None
    return passengers


def _spanish_date(line: str, issue: date | None) -> date | None:
    m = re.search(r"(\d{1,2})\s+de\s+([A-Za-zñÑ]+)(?:\s+de\s+(\d{4}))?", line, re.IGNORECASE)
    if not m:
        return None
    month = month_number(m.group(2))
    if not month:
        return None
    if m.group(3):
        return make_date(int(m.group(1)), month, int(m.group(3)))
    return infer_year(int(m.group(1)), month, issue)


def _segments(lines: list[str], issue: date | None, code: str | None) -> list[dict]:
    segments: list[dict] = []
    flight_date = None
    seg = None
    for idx, line in enumerate(lines):
        nxt = _after(lines, idx) or ""
        if re.match(r"^Fecha del vuelo", line, re.IGNORECASE):
            flight_date = _spanish_date(nxt, issue)
        # Avior: "Salida" then "08:40 CARACAS, SIMON BOLIVAR AIRPORT".
        elif line.lower() in ("salida", "llegada"):
            m = re.match(r"^(\d{1,2}:\d{2}(?:\s*[ap]\.?m\.?)?)\s+(.+)$", nxt, re.IGNORECASE)
            if m:
                if line.lower() == "salida":
                    seg = new_segment()
                    seg.update(carrier=code, departure_date=iso(flight_date), departure_time=hhmm(m.group(1)))
                    seg["origin"] = collapse(m.group(2).split(",")[0])
                    segments.append(seg)
                elif seg is not None:
                    seg["arrival_time"] = hhmm(m.group(1))
                    seg["destination"] = collapse(m.group(2).split(",")[0])
        # Estelar/Rutaca: city line, then "Hora de salida: 05:30 pm", then the date.
        elif re.match(r"^Hora de (salida|llegada)\s*:", line, re.IGNORECASE):
            time = hhmm(line.split(":", 1)[1])
            day = _spanish_date(nxt, issue)
            city = lines[idx - 1] if idx > 0 else None
            if "salida" in line.lower():
                seg = new_segment()
                seg.update(carrier=code, origin=city, departure_time=time, departure_date=iso(day))
                segments.append(seg)
            elif seg is not None:
                seg.update(destination=city, arrival_time=time)
        elif seg is not None:
            flight = _label(line, "Vuelo", "Nro de vuelo", r"N[úu]mero de vuelo")
            if flight is not None:
                m = re.match(r"^(\d{1,4})", flight or nxt)
                if m:
                    seg["flight_number"] = m.group(1)
                continue
            cls = _label(line, "Clase")
            if cls is not None:
                value = cls or nxt
                # A single letter is a booking class; Avior prints a fare family (MEDIUM).
                seg["booking_class"] = value if re.fullmatch(r"[A-Z]", value) else None
    return [s for s in segments if s["origin"] and s["destination"] and s["flight_number"]]


def _money(value: str | None) -> tuple[str | None, str | None]:
    if not value:
        return None, None
    m = MONEY.match(value.strip())
    if not m:
        return None, None
    currency = CURRENCIES.get((m.group("cur") or "").upper())
    return currency, parse_amount(m.group("amount"))


def _prices(lines: list[str]) -> dict:
    prices: dict = {"currency": None, "fare": None, "taxes": [], "taxes_total": None, "total": None}
    labels = {
        "fare": r"Tarifa base",
        "taxes_total": r"Tasas? \+ impuestos",
        "total": r"Total",
    }
    for idx, line in enumerate(lines):
        for key, label in labels.items():
            value = _label(line, label)
            if value is None or prices[key] is not None:
                continue
            # The amount may follow the label, or sit on the next one or two lines.
            candidates = [value, _after(lines, idx), " ".join(lines[idx + 1 : idx + 3])]
            for candidate in candidates:
                currency, amount = _money(candidate)
                if amount is not None:
                    prices[key] = amount
                    prices["currency"] = prices["currency"] or currency
                    break
    # Itemised taxes (Avior): a code line followed by its amount.
    start = next((i for i, line in enumerate(lines) if re.match(r"^Impuestos y tasas$", line, re.IGNORECASE)), None)
    if start is not None:
        i = start + 1
        while i + 1 < len(lines) and re.fullmatch(r"[A-Z0-9]{2}", lines[i]):
            currency, amount = _money(lines[i + 1])
            if amount is None:
                break
            prices["taxes"].append({"code": lines[i], "amount": amount})
            i += 2
    return prices
