"""Airline e-ticket parsers.

Public API:

- `extract_data_from_text(text, airports=None)`: normalized record(s) of SCHEMA.md from a document's text.
- `parse_document(data, filename="", airports=None)`: the same from raw file bytes (.eml, .txt,
  .html, .pdf); the format is recognised by content, the file name is only used in error messages.
- `airport_table(rows, country_names)`: the lookup table (built by the caller from the airports
  catalog) through which places printed by name get their IATA codes; without it they get none.

Both return one record per ticket. A record the parsers could read only in part (a layout no
format parser knows, or a known one missing a part) is *partial*: it carries `missing`, the
sorted list of the fields it lacks (see `fallback.REQUIRED_FIELDS`), and nothing is guessed for
them. A document with no ticket data at all raises a `TicketParseError` subclass. Inside
`parse_time_budget(seconds)` a parse that runs longer raises `ParseTimeout`.
"""

from __future__ import annotations

import logging
import re

from . import airline_web, amadeus, copa, kiu, sabre
from .deadline import parse_time_budget, time_budget_check
from .detect import detect_format
from .documents import MAX_TEXT_CHARS, document_texts
from .errors import ParseTimeout, TicketParseError, UnknownTicketFormat, UnreadableDocument
from .fallback import extract_partial, has_identity, missing_fields
from .places import AirportTable, airport_table, fill_airport_codes

__all__ = [
    "AirportTable",
    "ParseTimeout",
    "TicketParseError",
    "UnknownTicketFormat",
    "UnreadableDocument",
    "airport_table",
    "detect_format",
    "extract_data_from_text",
    "parse_document",
    "parse_time_budget",
]

logger = logging.getLogger(__name__)

PARSERS = {
    "kiu": kiu.parse,
    "sabre": sabre.parse,
    "amadeus": amadeus.parse,
    "copa": copa.parse,
    "airline_web": airline_web.parse,
}


# The generic extractor reads at most this much of a document: ticket data sits near the top.
FALLBACK_CHARS = 200_000


def extract_data_from_text(text: str, airports: AirportTable | None = None) -> list[dict]:
    """Normalized ticket records of one document's text (complete, or partial with `missing`)."""
    if not text or not text.strip():
        raise UnknownTicketFormat("the document is empty")
    # Some dumps end lines with `\r\r\n`; one line break each, not two.
    text = re.sub(r"\r+\n?", "\n", text[:MAX_TEXT_CHARS])
    # A receipt quoted in a reply (`> TOTAL : USD ...`) keeps its layout once unquoted.
    text = re.sub(r"(?m)^(?:> ?)+", "", text)
    time_budget_check()
    try:
        fmt = detect_format(text)
    except UnknownTicketFormat:
        # An unknown layout that still carries ticket data gives a partial record.
        time_budget_check()
        records = extract_partial(text[:FALLBACK_CHARS])
        if not records:
            raise
        fill_airport_codes(records, airports)
        return records
    time_budget_check()
    try:
        parsed = PARSERS[fmt](text)
    except (ValueError, KeyError, IndexError, TypeError, AttributeError, ArithmeticError):
        # An unforeseen layout must not crash the caller: what can be read is read generically.
        logger.exception("%s parser failed", fmt)
        parsed = []
    records = [r for r in parsed if _is_complete(r)]
    if not records:
        time_budget_check()
        records = _partial_records(parsed, extract_partial(text[:FALLBACK_CHARS], fmt))
    if not records:
        raise TicketParseError(f"the document looks like a {fmt} e-ticket but its ticket data could not be read")
    fill_airport_codes(records, airports)
    return records


def parse_document(data: bytes, filename: str = "", airports: AirportTable | None = None) -> list[dict]:
    """Normalized ticket records of a file's raw bytes. A candidate text (e-mail part)
    that gives complete records wins over one that gives only a partial record."""
    label = f"{filename}: " if filename else ""
    error: TicketParseError | None = None
    partial: list[dict] | None = None
    try:
        for text in document_texts(data):
            try:
                records = extract_data_from_text(text, airports)
            except ParseTimeout:
                raise
            except TicketParseError as exc:
                # Keep the most specific failure: a recognised but unreadable ticket beats "unknown".
                if error is None or isinstance(error, UnknownTicketFormat):
                    error = exc
                continue
            if not any(r.get("missing") for r in records):
                return records
            partial = partial or records
    except TicketParseError as exc:  # the document itself could not be read
        raise type(exc)(f"{label}{exc}") from exc
    if partial:
        return partial
    if error is None:
        error = UnreadableDocument("the document holds no text")
    raise type(error)(f"{label}{error}") from error


def _is_complete(record: dict) -> bool:
    """A record with its identity (ticket, name, flights): anything else is read in part."""
    return bool(record.get("ticket_number") and record.get("passenger_name") and record.get("segments"))


def _partial_records(parsed: list[dict], generic: list[dict]) -> list[dict]:
    """The format parser's incomplete records, each with its `missing` list; a lone record's
    gaps are filled by what the generic extractor read (labelled values only: with several
    passengers its values could belong to any). Or the generic record alone when the
    parser read nothing useful."""
    found = generic[0] if generic and len(parsed) == 1 else {}
    records = []
    for record in parsed:
        for key, value in found.items():
            if key != "missing" and record.get(key) in (None, "", []) and value not in (None, "", []):
                record[key] = value
        if has_identity(record):
            missing = missing_fields(record)
            if missing:
                record["missing"] = missing
            records.append(record)
    return records or generic
