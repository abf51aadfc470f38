"""Text of a PDF document (Sabre receipts are printed to PDF)."""

from __future__ import annotations

import io
import logging

from .errors import UnreadableDocument

# Bound the work on hostile or huge files; a ticket fits in a few pages.
MAX_PAGES = 20


def pdf_to_text(data: bytes) -> str:
    try:
        from pypdf import PdfReader
    except ImportError as exc:  # pragma: no cover - dependency listed in requirements.txt
        raise UnreadableDocument("PDF support needs the 'pypdf' package") from exc

    # pypdf logs a warning for every malformed object; they are noise for a parser.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages[:MAX_PAGES]]
    except Exception as exc:  # pypdf raises many unrelated error types on corrupt input
        raise UnreadableDocument(f"cannot read the PDF: {exc}") from exc
    text = "\n".join(pages)
    if not text.strip():
        raise UnreadableDocument("the PDF holds no extractable text (scanned image?)")
    return text
