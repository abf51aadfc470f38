"""Amadeus ticket displays (TWD) and Amadeus CheckMyTrip itinerary e-mails."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

from .common import (
    clean_name,
    collapse,
    given_first_to_record,
    header_value,
    iso,
    new_record,
    new_segment,
    parse_amount,
    strip_titles,
    ticket_digits,
)
from .vocabulary import MONTHS, infer_year, label_pattern, make_date, month_number, strip_accents

COUPON = re.compile(
    r"^\s*\d{1,2}\s+(?P<status>[A-Z])(?P<board>[A-Z]{3})\s+(?P<carrier>[A-Z0-9]{2})\s*(?P<flight>\d{1,4})\s+"
    r"(?P<cls>[A-Z])\s+(?P<day>\d{2})(?P<mon>[A-Z]{3})(?P<time>\d{4})?\s+(?P<seg_status>[A-Z]{2})\b(?P<rest>.*)$"
)
BAGGAGE = re.compile(r"^(\d{1,3}(K|KG|P|PC)|NIL)$")
# The CheckMyTrip e-mail's labels in Spanish, English and Portuguese.
ISSUE_DATE = label_pattern("Fecha de emisión", "Issue date", "Date of issue", "Data de emissão")
BOOKING_REF = label_pattern("Localizador de reserva", "Booking reference", "Reservation number",
                            "Localizador da reserva", "Código de reserva")  # fmt: skip
AIRLINE_REF = label_pattern("Localizador(es) de reserva de la aerolínea", "Airline booking reference(s)",
                            "Airline booking reference", "Localizador(es) da companhia aérea")  # fmt: skip
E_TICKET = label_pattern("Billete electrónico", "Electronic ticket", "E-ticket", "Bilhete eletrônico")
CLASS = label_pattern("Clase", "Class", "Classe")
BOOKING_STATUS = label_pattern("Estatus de la reserva", "Estado de la reserva", "Booking status", "Status da reserva")
BAGGAGE_LABEL = label_pattern("Equipaje", "Baggage", "Bagagem", "Baggage allowance")
TRAVELLER = re.compile(label_pattern("Viajero", "Traveller", "Traveler", "Passageiro", "Viajante", "Pasajero"),
                       re.IGNORECASE)  # fmt: skip
# Titles printed before a given-first name, in English, Spanish and Portuguese.
TRAVELLER_TITLES = {"MR", "MRS", "MS", "MISS", "MSTR", "SR", "SRA", "SRTA", "SRITA", "DR", "DRA"}


def parse(text: str) -> list[dict]:
    if re.search(r"(?m)^[ \t]*TKT-\d{13}", text):
        return _parse_displays(text)
    return _parse_email(text)


# ------------------------------------------------------------------ TWD displays
def _parse_displays(text: str) -> list[dict]:
    starts = [m.start() for m in re.finditer(r"(?m)^[ \t]*TKT-\d{13}", text)]
    records = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        records.append(_parse_display(text[start:end]))
    return records


def _value(text: str, pattern: str) -> str | None:
    m = re.search(pattern, text, re.MULTILINE)
    return m.group(1).strip() if m else None


def _parse_display(text: str) -> dict:
    record = new_record("amadeus")
    record["ticket_number"] = ticket_digits(_value(text, r"TKT-(\d{13})"))
    record["pnr"] = _value(text, r"\bLOC-([A-Z0-9]{5,8})")
    doi = re.search(r"\bDOI-(\d{2})([A-Z]{3})(\d{2})", text)
    issue = (
        make_date(int(doi.group(1)), MONTHS[doi.group(2)], int(doi.group(3)))
        if doi and doi.group(2) in MONTHS
        else None
    )
    record["issue_date"] = iso(issue)
    name = _value(text, r"^[ \t]*\d{1,2}\.([A-Z][A-Z'/ -]*?)(?:\s{2,}|\s*$)")
    record["passenger_name"] = clean_name(name) if name else None

    lines = text.split("\n")
    segments = []
    last_coupon_idx = None
    for idx, line in enumerate(lines):
        m = COUPON.match(line)
        if not m:
            continue
        seg = new_segment()
        seg["carrier"] = m.group("carrier")
        seg["flight_number"] = m.group("flight")
        seg["origin"] = seg["origin_code"] = m.group("board")
        seg["booking_class"] = m.group("cls")
        seg["departure_date"] = iso(infer_year(int(m.group("day")), MONTHS.get(m.group("mon"), 0), issue))
        t = m.group("time")
        seg["departure_time"] = f"{t[:2]}:{t[2:]}" if t else None
        seg["status"] = m.group("seg_status")
        tokens = m.group("rest").split()
        if tokens and BAGGAGE.match(tokens[-1]):
            seg["baggage"] = tokens.pop()
        if tokens:
            seg["fare_basis"] = tokens[0]
        if segments:
            segments[-1]["destination"] = segments[-1]["destination_code"] = seg["origin"]
        segments.append(seg)
        last_coupon_idx = idx
    if segments and last_coupon_idx is not None:
        # The final destination is printed alone on the line after the coupons.
        for line in lines[last_coupon_idx + 1 : last_coupon_idx + 3]:
            m = re.match(r"^\s+([A-Z]{3})\s*$", line)
            if m:
                segments[-1]["destination"] = segments[-1]["destination_code"] = m.group(1)
                break
    record["segments"] = segments

    fare = re.search(r"(?m)^FARE\s+(?:[A-Z]\s+)?([A-Z]{3})\s+([\d.,]+)", text)
    equiv = re.search(r"(?m)^EQUIV\s+([A-Z]{3})\s+([\d.,]+)", text)
    total = re.search(r"(?m)^TOTAL\s+([A-Z]{3})\s+(\S+)", text)
    tax = re.search(r"(?m)^TOTALTAX\s+([A-Z]{3})\s+([\d.,]+)", text)
    if total:
        record["currency"] = total.group(1)
        # `TOTAL VEF NOADC`: exchange without additional collection.
        record["total"] = "0.00" if total.group(2).startswith("NOADC") else parse_amount(total.group(2))
    if equiv and (not fare or (total and fare.group(1) != total.group(1))):
        record["fare"] = parse_amount(equiv.group(2))
    elif fare:
        record["fare"] = parse_amount(fare.group(2))
        record["currency"] = record["currency"] or fare.group(1)
    record["taxes_total"] = parse_amount(tax.group(2)) if tax else None
    record["form_of_payment"] = collapse(_value(text, r"^FP\s+(.+)$"))
    if re.search(r"(?m)^FO\s", text) or (total and total.group(2).startswith("NOADC")):
        record["is_exchange"] = True

    fe = _value(text, r"^FE\s+(.+)$") or ""
    only = re.search(r"\bONLY\s+([A-Z0-9]{2})\b", fe)
    carriers = Counter(s["carrier"] for s in segments)
    code = only.group(1) if only else (carriers.most_common(1)[0][0] if carriers else None)
    record["issuing_airline"] = {"name": code, "code": code} if code else None
    return record


# ------------------------------------------------------------------ CheckMyTrip e-mail
def _parse_email(text: str) -> list[dict]:
    record = new_record("amadeus")
    lines = [line.strip() for line in text.split("\n")]
    issue_m = re.search(rf"{ISSUE_DATE}\s*:\s*(\d{{1,2}})\s?([A-Z]{{3}})\s?(\d{{4}})", text, re.IGNORECASE)
    issue = None
    if issue_m and month_number(issue_m.group(2)):
        issue = make_date(int(issue_m.group(1)), month_number(issue_m.group(2)), int(issue_m.group(3)))
    record["issue_date"] = iso(issue)
    record["pnr"] = _value(text, rf"(?i:(?<!airline ){BOOKING_REF})\s*:\s*([A-Z0-9]{{5,8}})\b")
    record["airline_pnr"] = _value(text, rf"(?i:{AIRLINE_REF})\s*:\s*([A-Z0-9]{{5,8}})\b")

    ticket = re.search(rf"(?i:{E_TICKET})\s+([A-Z0-9]{{2}})\s+(\d{{3}}-?\d{{10}})", text)
    ticket_code = ticket.group(1) if ticket else None
    record["ticket_number"] = ticket_digits(ticket.group(2)) if ticket else None
    record["passenger_name"] = _email_name(text, lines)

    segments = []
    airline_names: dict[str, str] = {}
    i = 0
    while i < len(lines):
        m = re.fullmatch(r"([A-Z0-9]{2}) (\d{1,4})", lines[i])
        if not m:
            i += 1
            continue
        block_end = next(
            (j for j in range(i + 1, min(len(lines), i + 40)) if re.fullmatch(r"[A-Z0-9]{2} \d{1,4}", lines[j])),
            min(len(lines), i + 40),
        )
        block = [line for line in lines[i + 1 : block_end] if line]
        seg = _email_segment(m.group(1), m.group(2), block, issue)
        if seg:
            segments.append(seg)
            if block and not re.match(r"\d", block[0]):
                airline_names.setdefault(m.group(1), block[0])
        i = block_end
    record["segments"] = segments
    code = ticket_code or (segments[0]["carrier"] if segments else None)
    if code:
        record["issuing_airline"] = {"name": airline_names.get(code, code), "code": code}
    return [record]


def _email_segment(carrier: str, flight: str, block: list[str], issue: date | None) -> dict | None:
    times = []
    for idx, line in enumerate(block):
        m = re.fullmatch(r"(\d{1,2})([A-Z]{3}),?\s*(\d{1,2}:\d{2})", line)
        if m and idx + 1 < len(block):
            times.append((m, block[idx + 1]))
    if len(times) < 2:
        return None
    seg = new_segment()
    seg["carrier"], seg["flight_number"] = carrier, flight
    (dep, origin), (arr, destination) = times[0], times[1]
    seg["departure_date"] = iso(infer_year(int(dep.group(1)), MONTHS.get(dep.group(2), 0), issue))
    seg["departure_time"] = f"{int(dep.group(3).split(':')[0]):02d}:{dep.group(3).split(':')[1]}"
    seg["arrival_time"] = f"{int(arr.group(3).split(':')[0]):02d}:{arr.group(3).split(':')[1]}"
    # `Caracas, (Simon Bolivar Intl)`: the city, without the airport in brackets.
    seg["origin"] = collapse(origin.split(", (")[0].split(" (")[0])
    seg["destination"] = collapse(destination.split(", (")[0].split(" (")[0])
    seg["_origin_printed"], seg["_destination_printed"] = origin, destination
    joined = "\n".join(block)
    cls = re.search(rf"(?i:{CLASS})\s*:.*\(([A-Z])\)", joined)
    seg["booking_class"] = cls.group(1) if cls else None
    status = re.search(rf"(?i:{BOOKING_STATUS})\s*:\s*(\S+)", joined)
    seg["status"] = status.group(1) if status else None
    bag = re.search(rf"(?i:{BAGGAGE_LABEL})\s*:\s*(\S+)", joined)
    seg["baggage"] = bag.group(1) if bag else None
    return seg


def _email_name(text: str, lines: list[str]) -> str | None:
    subject = header_value(text, "Subject") or ""
    subject = re.sub(r"^\s*((RE|RV|FW|FWD|TR)\s*:\s*)+", "", subject, flags=re.IGNORECASE)
    m = re.match(r"([A-Z][A-Z' -]*/[A-Z][A-Z' -]*?)(?:\s+\d{1,2}[A-Z]{3}\d{2,4}\b.*)?$", subject.upper())
    if m:
        return clean_name(m.group(1))
    # The body prints the traveller given-first (`Mr Tomas Viviana Romero Cabrera`).
    traveller = next((i for i, line in enumerate(lines) if TRAVELLER.fullmatch(line)), None)
    if traveller is not None:
        idx = traveller
        for line in lines[idx + 1 : idx + 4]:
            words = line.upper().split()
            if words and strip_accents(words[0]).rstrip(".") in TRAVELLER_TITLES:
                return strip_titles(given_first_to_record(words[1:]))
    return None
