"""Raw file bytes -> candidate texts, chosen by content (never by file name)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .email_text import decode_quoted_printable, email_texts, looks_like_email
from .errors import UnreadableDocument
from .html_text import html_to_text, looks_like_html
from .pdf_text import pdf_to_text

# Real tickets are far smaller; the cap keeps hostile inputs cheap to reject.
MAX_BYTES = 30 * 1024 * 1024
MAX_TEXT_CHARS = 1_000_000


def decode_text(data: bytes) -> str:
    sample = data[:65536]
    if b"\x00" in sample:
        raise UnreadableDocument("the file is binary data, not a text, e-mail, HTML or PDF document")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    controls = len(re.findall(r"[\x01-\x08\x0e-\x1f\x7f\ufffd]", text[:65536]))
    if controls > max(32, len(text[:65536]) // 20):
        raise UnreadableDocument("the file is binary data, not a text, e-mail, HTML or PDF document")
    return text


def document_texts(data: bytes) -> Iterable[str]:
    """Candidate texts of a document, best first (an e-mail's are made as they are asked for)."""
    if not data or not data.strip():
        raise UnreadableDocument("the document is empty")
    if len(data) > MAX_BYTES:
        raise UnreadableDocument(f"the document is too large ({len(data)} bytes) to be an e-ticket")
    if data.lstrip()[:5] == b"%PDF-":
        return [pdf_to_text(data)]
    text = decode_text(data)
    if looks_like_email(text):
        return email_texts(data)
    if looks_like_html(text):
        return [html_to_text(text[:MAX_TEXT_CHARS])]
    text = _quoted_printable_dump_decoded(text[:MAX_TEXT_CHARS])
    # A saved e-mail dump may carry the HTML part after the plain text.
    m = re.search(r"(?im)^[ \t]*<(html|!doctype)", text)
    if m and m.start() > 0:
        return [text[: m.start()], html_to_text(text[m.start() :])]
    return [text]


QP_DECLARED = re.compile(r"(?im)^Content-Transfer-Encoding:[ \t]*quoted-printable[ \t]*$")
QP_SOFT_BREAK = re.compile(r"=[ \t]*\n")


def _quoted_printable_dump_decoded(text: str) -> str:
    """A saved mail (headers pasted above its body) whose body is still quoted-printable,
    decoded: its fields would otherwise keep `=` soft breaks and `=3D` escapes."""
    declared = QP_DECLARED.search(text)
    if not declared or not QP_SOFT_BREAK.search(text, declared.end()):
        return text
    body = decode_quoted_printable(text[declared.end() :].encode("utf-8"))
    try:
        decoded = body.decode("utf-8")
    except UnicodeDecodeError:
        decoded = body.decode("cp1252", errors="replace")
    return text[: declared.end()] + decoded
