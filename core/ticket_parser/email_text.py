"""Text of a MIME e-mail: the headers the parsers need plus the text, HTML and PDF parts.

Transfer encodings (base64, quoted-printable) and charsets are handled by the standard
`email` package; forwarded messages (message/rfc822) are walked into as well.
"""

from __future__ import annotations

import email
import re
from email import policy
from email.message import EmailMessage

from .html_text import html_to_text
from .pdf_text import pdf_to_text

KEPT_HEADERS = ("Subject", "From", "Date")
# A plain part shorter than this is taken as a "see the HTML version" stub.
MIN_PLAIN_CHARS = 200


def _part_text(part: EmailMessage) -> str:
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, ValueError, AssertionError):
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("latin-1", errors="replace")
    if isinstance(content, bytes):
        content = content.decode("latin-1", errors="replace")
    return content


def _header_block(msg: EmailMessage) -> str:
    lines = []
    for name in KEPT_HEADERS:
        try:
            value = msg.get(name)
        except (ValueError, IndexError):  # malformed header
            value = None
        if value:
            lines.append(f"{name}: {' '.join(str(value).split())}")
    return "\n".join(lines)


def email_texts(data: bytes) -> list[str]:
    """Candidate texts of one e-mail, best first: plain parts, HTML parts, PDF attachments.

    Each candidate starts with the Subject/From/Date headers, which some formats need
    (full passenger name in the subject, issue date from the Date header).
    """
    msg = email.message_from_bytes(data, policy=policy.default)
    headers = _header_block(msg)
    plain: list[str] = []
    html: list[str] = []
    pdfs: list[str] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        filename = (part.get_filename() or "").lower()
        if ctype == "text/plain" and not filename.endswith(".pdf"):
            plain.append(_part_text(part))
        elif ctype == "text/html":
            html.append(html_to_text(_part_text(part)))
        elif ctype == "application/pdf" or filename.endswith(".pdf"):
            payload = part.get_payload(decode=True)
            if payload:
                try:
                    pdfs.append(pdf_to_text(payload))
                except Exception:  # a broken attachment must not hide the text parts
                    continue

    candidates = []
    plain_text = "\n".join(plain)
    if len(plain_text.strip()) >= MIN_PLAIN_CHARS:
        candidates.append(plain_text)
    if html:
        candidates.append("\n".join(html))
    if plain_text.strip() and plain_text not in candidates:
        candidates.append(plain_text)
    candidates.extend(pdfs)
    return [f"{headers}\n\n{body}" for body in candidates] or [headers]


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
