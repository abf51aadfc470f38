"""KIU "PASSENGER ITINERARY RECEIPT" e-mails (Venezuelan and regional airlines on KIU).

The receipt is fixed-width text (plain part, or a <pre> block in the HTML part). Both the
long bilingual layout (`ISSUE DATE/FECHA DE EMISION`) and the short one (`ISSUE DATE`)
are read through their labels; the segment table is cut at the column of the `FLIGHT`
header because long city names run into the flight column (`PUERTO ORDAZ9V 063`).
"""

from __future__ import annotations

import re
from datetime import date

from .common import (
    block_between,
    clean_name,
    collapse,
    header_value,
    iso,
    new_record,
    new_segment,
    parse_amount,
    strip_document_prefix,
    sum_amounts,
    ticket_digits,
)
from .vocabulary import MONTHS, infer_year, make_date

AMOUNT = r"\d{1,3}(?:,\d{3})+\.\d{2}|\d+\.\d{2}"
# `30.826A` is 30.82 + tax code 6A: amounts always print two decimals.
TAX_ITEM = re.compile(rf"(?:(PD)\s+)?({AMOUNT})([A-Z0-9]{{2}})(?![A-Z0-9])")
SEG_TAIL = re.compile(
    r"^(?P<carrier>[A-Z0-9]{2})\s?(?P<flight>\d{1,4})\s*(?P<cls>[A-Z])\s+"
    r"(?P<day>\d{1,2})(?P<mon>[A-Z]{3})(?:\d{2})?\s+(?P<dep>\d{4})(?:\s+(?P<arr>\d{4})(?:\+\d)?)?(?P<rest>.*)$"
)
# Fallback when the header column is missing: the origin is the shortest prefix that
# leaves a valid segment tail. Lines are short, so the lazy scan stays cheap.
SEG_LINE = re.compile(r"^\s{0,4}(?P<origin>\S.*?)\s*(?P<tail>[A-Z0-9]{2}\s?\d{1,4}\s*[A-Z]\s+\d{1,2}[A-Z]{3}.*)$")
BAGGAGE = re.compile(r"^(\d{1,3}(K|KG|P|PC|L)|NIL)$")
MAX_LINE = 240
NEXT_FIELD = re.compile(r"\s(?:FOID|RIF|D\.IDENTIDAD|ISSUE|TICKET|BOOKING|OFFICE|TELEPHONE|MAIL INFO)\b.*$")
RECEIPT_START = re.compile(r"(?m)^.*PASSENGER ITINERARY RECEIPT.*$")


def parse(text: str) -> list[dict]:
    subject = header_value(text, "Subject")
    starts = [m.start() for m in RECEIPT_START.finditer(text)] or [0]
    records: list[dict] = []
    seen: set[str | None] = set()
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        record = _parse_receipt(text[start:end], subject)
        if record["ticket_number"] not in seen:
            seen.add(record["ticket_number"])
            records.append(record)
    return records


def _field(text: str, pattern: str) -> str | None:
    m = re.search(pattern, text, re.MULTILINE)
    return m.group(1).strip() if m else None


def _parse_receipt(text: str, subject: str | None) -> dict:
    record = new_record("kiu")
    ticket = _field(text, r"^[ \t]*TICKET(?:'S)? NUMBER(?:'S)?[^:\n]*:\s*(\d[\d\- ]{11,17}\d)")
    record["ticket_number"] = ticket_digits(ticket) or ticket_digits(
        _field(text, r"TICKET (?:NBR|NRO|NUMBER)\s*:\s*(\d{13})\b")
    )
    issue = _issue_date(text)
    record["issue_date"] = iso(issue)
    record["issuing_agent"] = _field(text, r"ISSUE AGENT[^:\n]*:\s*(\S+)")
    record["office_id"] = _field(text, r"OFFICE ID\s*:\s*(\S+)")
    record["pnr"] = _field(text, r"BOOKING REF[^:\n]*:\s*(?:[A-Z0-9]{1,3}/)?([A-Z0-9]{5,8})\b")
    record["passenger_name"] = _passenger_name(text, subject)
    record["passenger_document"] = strip_document_prefix(_field(text, r"FOID[^:\n]*:\s*(\S+)"))
    airline = _field(text, r"^[ \t]*ISSUING AIRLINE[^:\n]*:[ \t]*(\S.*)$")
    record["segments"] = _segments(text, issue)
    code = record["segments"][0]["carrier"] if record["segments"] else None
    record["issuing_airline"] = {"name": airline, "code": code} if airline else None
    _prices(text, record)
    payment = _field(text, r"^[ \t]*(?:FORM OF PAYMENT[^:\n]*|PAYMENT)\s*:(.*)$")
    record["form_of_payment"] = collapse(payment)
    if re.search(r"(?m)^[ \t]*(EXCHANGE\s+\d|ORIGINAL ISSUE\b)", text):
        record["is_exchange"] = True
    return record


def _issue_date(text: str) -> date | None:
    m = re.search(r"ISSUE DATE[^:\n]*:\s*(\d{1,2})\s*([A-Z]{3})\s*(\d{4}|\d{2})\b", text)
    if not m or m.group(2) not in MONTHS:
        return None
    return make_date(int(m.group(1)), MONTHS[m.group(2)], int(m.group(3)))


def _passenger_name(text: str, subject: str | None) -> str | None:
    body = _field(text, r"(?<![A-Z])NAME(?:/NOMBRE)?[ \t]*:[ \t]*(\S.*)$")
    # Anything printed after a wide gap on the same line is another field.
    body = collapse(re.split(r"\s{2,}", body.strip())[0].upper()) if body else None
    # From an HTML part the gap is gone: the next field's label ends the name, and a
    # name holds no digits (`SURNAME/GIVEN 1`: a character of the next line).
    body = collapse(re.split(r"\s+(?=\S*\d)", NEXT_FIELD.split(body)[0])[0].rstrip("= ")) if body else None
    full = None
    if subject:
        m = re.search(r"RECEIPT\s*-\s*(.+)$", subject.upper())
        full = collapse(m.group(1)) if m else None
    # The body cuts long names at its column width; the subject prints them in full.
    # A subject naming someone else (hand-forwarded mail) does not start with the body.
    if full and "/" in full and (not body or (full.startswith(body) and len(full) > len(body))):
        return clean_name(full)
    # A character that slipped in from the next line (`SURNAME/GIVEN 1`) is not part of the name.
    if full and body and body.startswith(full + " ") and len(body) - len(full) <= 3:
        return clean_name(full)
    return clean_name(body) if body else None


def _segments(text: str, issue: date | None) -> list[dict]:
    lines = text.split("\n")
    header_idx = next((i for i, line in enumerate(lines) if "FROM/TO" in line and "FLIGHT" in line), None)
    if header_idx is None:
        return []
    col = lines[header_idx].index("FLIGHT")
    segments: list[dict] = []
    expecting_destination = False
    for line in lines[header_idx + 1 :]:
        if not line.strip() or "DESDE/HACIA" in line:
            continue
        seg = _segment_line(line[:MAX_LINE], col, issue)
        if seg:
            segments.append(seg)
            expecting_destination = True
            continue
        if expecting_destination and re.match(r"^\s{0,4}\S", line):
            # A remark may follow the city after a slash (`MADRID   /CIERRE CHECKIN`).
            segments[-1]["destination"] = collapse(line.split("/", 1)[0])
            expecting_destination = False
            continue
        break
    return segments


def _segment_line(line: str, col: int, issue: date | None) -> dict | None:
    origin = line[:col]
    m = SEG_TAIL.match(line[col:].lstrip()) if len(line) > col else None
    if m is None or not origin.strip():
        fallback = SEG_LINE.match(line)
        if not fallback:
            return None
        origin, m = fallback.group("origin"), SEG_TAIL.match(fallback.group("tail"))
        if m is None:
            return None
    if not origin.strip() or m.group("mon") not in MONTHS:
        return None
    seg = new_segment()
    seg["origin"] = collapse(origin)
    seg["carrier"] = m.group("carrier")
    seg["flight_number"] = m.group("flight")
    seg["booking_class"] = m.group("cls")
    seg["departure_date"] = iso(infer_year(int(m.group("day")), MONTHS[m.group("mon")], issue))
    seg["departure_time"] = _time(m.group("dep"))
    seg["arrival_time"] = _time(m.group("arr"))
    tokens = m.group("rest").split()
    if tokens and re.fullmatch(r"[A-Z]{2}", tokens[-1]):
        seg["status"] = tokens.pop()
    bag_idx = next((i for i in range(len(tokens) - 1, -1, -1) if BAGGAGE.match(tokens[i])), None)
    if bag_idx is not None:
        seg["baggage"] = tokens[bag_idx]
        tokens = tokens[:bag_idx]
    if tokens:
        seg["fare_basis"] = tokens[0]
    return seg


def _time(raw: str | None) -> str | None:
    if not raw or int(raw[:2]) > 23 or int(raw[2:]) > 59:
        return None
    return f"{raw[:2]}:{raw[2:]}"


def _prices(text: str, record: dict) -> None:
    total = re.search(r"(?m)^[ \t]*TOTAL\s*:\s*([A-Z]{3})\s+([\d.,]+)(A?)\b", text)
    fare = re.search(r"(?m)^[ \t]*AIR FARE[^:\n]*:\s*([A-Z]{3})\s+([\d.,]+)", text)
    equiv = re.search(r"(?m)^[ \t]*EQUIV[^:\n]*:\s*([A-Z]{3})\s+([\d.,]+)", text)
    if total:
        record["currency"] = total.group(1)
        record["total"] = parse_amount(total.group(2))
        if total.group(3):  # `TOTAL USD 5.00A`: additional collection on an exchange
            record["is_exchange"] = True
    elif fare:
        record["currency"] = fare.group(1)
    # The base fare is given in the currency of the TOTAL (EQUIV line when it differs).
    if equiv and equiv.group(1) == record["currency"] and (not fare or fare.group(1) != record["currency"]):
        record["fare"] = parse_amount(equiv.group(2))
    elif fare:
        record["fare"] = parse_amount(fare.group(2))

    tax_block = block_between(text, r"^[ \t]*TAX[^:\n]*:", r"^[ \t]*TOTAL\s*:")
    taxes = []
    if tax_block:
        for m in TAX_ITEM.finditer(tax_block):
            taxes.append({"code": m.group(3), "amount": parse_amount(m.group(2))})
    record["taxes"] = taxes
    record["taxes_total"] = sum_amounts([t["amount"] for t in taxes])
