"""Airline e-ticket parsers.

Public API:

- `extract_data_from_text(text)`: normalized record(s) of SCHEMA.md from a document's text.
- `parse_document(data, filename="")`: the same from raw file bytes (.eml, .txt, .html, .pdf);
  the format is recognised by content, the file name is only used in error messages.

Both return one record per ticket and raise a `TicketParseError` subclass when the
document is not a ticket of a supported format. Inside `parse_time_budget(seconds)` a
parse that runs longer raises `ParseTimeout`.
"""

from __future__ import annotations

import logging
import re

from . import airline_web, amadeus, copa, kiu, sabre
from .deadline import parse_time_budget, time_budget_check
from .detect import detect_format
from .documents import MAX_TEXT_CHARS, document_texts
from .errors import ParseTimeout, TicketParseError, UnknownTicketFormat, UnreadableDocument

__all__ = [
    "ParseTimeout",
    "TicketParseError",
    "UnknownTicketFormat",
    "UnreadableDocument",
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


def extract_data_from_text(text: str) -> list[dict]:
    """Normalized ticket records of one document's text."""
    if not text or not text.strip():
        raise UnknownTicketFormat("the document is empty")
    # Some dumps end lines with `\r\r\n`; one line break each, not two.
    text = re.sub(r"\r+\n?", "\n", text[:MAX_TEXT_CHARS])
    # A receipt quoted in a reply (`> TOTAL : USD ...`) keeps its layout once unquoted.
    text = re.sub(r"(?m)^(?:> ?)+", "", text)
    time_budget_check()
    fmt = detect_format(text)
    time_budget_check()
    try:
        records = [r for r in PARSERS[fmt](text) if _is_complete(r)]
    except (ValueError, KeyError, IndexError, TypeError, AttributeError, ArithmeticError) as exc:
        # An unforeseen layout must surface as a parse failure, not as a crash of the caller.
        logger.exception("%s parser failed", fmt)
        raise TicketParseError(f"the {fmt} e-ticket could not be parsed ({type(exc).__name__}: {exc})") from exc
    if not records:
        raise TicketParseError(f"the document looks like a {fmt} e-ticket but its ticket data could not be read")
    return records


def parse_document(data: bytes, filename: str = "") -> list[dict]:
    """Normalized ticket records of a file's raw bytes."""
    label = f"{filename}: " if filename else ""
    error: TicketParseError | None = None
    try:
        for text in document_texts(data):
            try:
                return extract_data_from_text(text)
            except ParseTimeout:
                raise
            except TicketParseError as exc:
                # Keep the most specific failure: a recognised but unreadable ticket beats "unknown".
                if error is None or isinstance(error, UnknownTicketFormat):
                    error = exc
    except TicketParseError as exc:  # the document itself could not be read
        raise type(exc)(f"{label}{exc}") from exc
    if error is None:
        error = UnreadableDocument("the document holds no text")
    raise type(error)(f"{label}{error}") from error


def _is_complete(record: dict) -> bool:
    """A record without its identity (ticket, name, flights) would be a wrong record."""
    return bool(record.get("ticket_number") and record.get("passenger_name") and record.get("segments"))
