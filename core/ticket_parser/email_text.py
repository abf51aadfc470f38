"""Text of a MIME e-mail: the headers the parsers need plus the text, HTML and PDF parts.

Transfer encodings (base64, quoted-printable) and charsets are handled by the standard
`email` package; forwarded messages (message/rfc822) are walked into as well.
"""

from __future__ import annotations

import binascii
import email
import re
from collections.abc import Iterator
from email.header import decode_header, make_header
from email.message import Message

from .deadline import time_budget_check
from .errors import ParseTimeout
from .html_text import html_to_text
from .pdf_text import pdf_to_text

KEPT_HEADERS = ("Subject", "From", "Date")
# A kept header is cut to this many characters before its encoded words are
# decoded: `decode_header` is quadratic in their number, and a real Subject,
# From or Date is far shorter (RFC 5322 lines stop at 998).
MAX_HEADER_CHARS = 2000
SOFT_BREAK_PADDED = re.compile(rb"=[ \t]+(?=\r?\n)")
# A plain part shorter than this is taken as a "see the HTML version" stub.
MIN_PLAIN_CHARS = 200


def _part_text(part: Message) -> str:
    if part.get("Content-Transfer-Encoding", "").strip().lower() == "quoted-printable":
        payload = decode_quoted_printable(_raw_payload(part))
    else:
        payload = part.get_payload(decode=True) or b""
    try:
        return payload.decode(part.get_content_charset() or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know
        return payload.decode("latin-1", errors="replace")


def _raw_payload(part: Message) -> bytes:
    raw = part.get_payload(decode=False)
    if not isinstance(raw, str):
        return b""
    try:  # the parser keeps 8-bit bytes as surrogates: these give them back
        return raw.encode("ascii", errors="surrogateescape")
    except UnicodeEncodeError:
        return raw.encode("utf-8", errors="replace")


def decode_quoted_printable(data: bytes) -> bytes:
    """Quoted-printable bytes decoded, soft line breaks included when the mail's
    transport left spaces after the `=` (RFC 2045 says to drop them; the standard
    decoder keeps the `=` and the break, and a name split there came out broken)."""
    return binascii.a2b_qp(SOFT_BREAK_PADDED.sub(b"=", data))


def _header_block(msg: Message) -> str:
    lines = []
    for name in KEPT_HEADERS:
        value = msg.get(name)
        if not value:
            continue
        value = _header_cut(str(value))
        try:
            value = str(make_header(decode_header(value)))
        except (ValueError, LookupError, UnicodeError):  # malformed encoded words: keep them raw
            value = str(value)
        lines.append(f"{name}: {' '.join(value.split())}")
    return "\n".join(lines)


def _header_cut(value: str) -> str:
    """`value` cut to MAX_HEADER_CHARS, at a space when there is one, so that
    no encoded word is cut in half."""
    if len(value) <= MAX_HEADER_CHARS:
        return value
    cut = value[:MAX_HEADER_CHARS]
    space = cut.rfind(" ")
    return cut[:space] if space > 0 else cut


def email_texts(data: bytes) -> Iterator[str]:
    """Candidate texts of one e-mail, best first: plain parts, HTML parts, PDF attachments.

    Each candidate starts with the Subject/From/Date headers, which some formats need
    (full passenger name in the subject, issue date from the Date header). Candidates
    are made as they are asked for: the HTML and PDF parts of an e-mail whose plain
    text parses are never converted.
    """
    # The legacy (compat32) policy: the default one builds a header object for every
    # header read, which cost most of the time spent on an e-mail.
    msg = email.message_from_bytes(data)
    headers = _header_block(msg)
    plain: list[str] = []
    html_parts: list[Message] = []
    pdf_payloads: list[bytes] = []
    for part in msg.walk():
        time_budget_check()
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        filename = (part.get_filename() or "").lower()
        if ctype == "text/plain" and not filename.endswith(".pdf"):
            plain.append(_part_text(part))
        elif ctype == "text/html":
            html_parts.append(part)
        elif ctype == "application/pdf" or filename.endswith(".pdf"):
            payload = part.get_payload(decode=True)
            if payload:
                pdf_payloads.append(payload)

    plain_text = "\n".join(plain)
    long_plain = len(plain_text.strip()) >= MIN_PLAIN_CHARS
    if long_plain:
        yield f"{headers}\n\n{plain_text}"
    if html_parts:
        yield headers + "\n\n" + "\n".join(html_to_text(_part_text(part)) for part in html_parts)
    if plain_text.strip() and not long_plain:
        yield f"{headers}\n\n{plain_text}"
    for payload in pdf_payloads:
        try:
            text = pdf_to_text(payload)
        except ParseTimeout:
            raise
        except Exception:  # a broken attachment must not hide the text parts
            continue
        yield f"{headers}\n\n{text}"
    if not plain_text.strip() and not html_parts:
        yield headers


def looks_like_email(text: str) -> bool:
    """True when the text starts with RFC 822 header lines."""
    head = text[:4096].lstrip("\ufeff")
    first = head.split("\n", 1)[0]
    if not re.match(r"^[A-Za-z][\w-]*:", first):
        return False
    names = re.findall(
        r"(?im)^(received|from|to|subject|date|mime-version|content-type|message-id|return-path)\s*:", head
    )
    return len({n.lower() for n in names}) >= 2
