"""Text of a PDF document (Sabre receipts are printed to PDF)."""

from __future__ import annotations

import io
import logging

from .deadline import time_budget_check
from .errors import TicketParseError, UnreadableDocument

# Bound the work on hostile or huge files; a ticket fits in a few pages.
MAX_PAGES = 20
# The decoded drawing instructions of all pages together. A ticket's pages
# hold a few tens of KB; pypdf takes about 3 s per 100,000 text operations
# (700 KB), and a page of 900,000 of them took 20 s to read: past this, the
# document is refused before its pages are read.
MAX_CONTENT_BYTES = 1_000_000


def pdf_to_text(data: bytes) -> str:
    try:
        from pypdf import PdfReader
    except ImportError as exc:  # pragma: no cover - dependency listed in requirements.txt
        raise UnreadableDocument("PDF support needs the 'pypdf' package") from exc

    # pypdf logs a warning for every malformed object; they are noise for a parser.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = _pages_text(reader.pages[:MAX_PAGES])
    except TicketParseError:
        raise
    except Exception as exc:  # pypdf raises many unrelated error types on corrupt input
        raise UnreadableDocument(f"cannot read the PDF: {exc}") from exc
    text = "\n".join(pages)
    if not text.strip():
        raise UnreadableDocument("the PDF holds no extractable text (scanned image?)")
    return text


def _pages_text(pages) -> list[str]:
    texts = []
    content_bytes = 0
    for page in pages:
        time_budget_check()
        contents = page.get_contents()
        content_bytes += len(contents.get_data()) if contents is not None else 0
        if content_bytes > MAX_CONTENT_BYTES:
            raise UnreadableDocument(
                f"the PDF holds more than {MAX_CONTENT_BYTES} bytes of drawing instructions, far more than an e-ticket"
            )
        # Called before each drawing operation: a slow page stops within the budget.
        texts.append(page.extract_text(visitor_operand_before=_on_operation) or "")
    return texts


def _on_operation(operator, operands, cm, tm) -> None:
    time_budget_check()
