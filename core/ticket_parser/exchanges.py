"""The ticket an exchange/reissue replaces, when the document prints it.

Records keep the keys of SCHEMA.md; this is read beside them, from the same text."""

from __future__ import annotations

import re

# KIU prints the full number on `ORIGINAL ISSUE:0520390102713  26SEPPTY/...`;
# its `EXCHANGE 520390102713/E2` line may lose the prefix's leading zero, so it
# is only the fallback.
KIU_ORIGINAL_ISSUE = re.compile(r"(?im)^\s*ORIGINAL\s+ISSUE\s*:?\s*(\d{3})[- ]?(\d{10})\b")
KIU_EXCHANGE = re.compile(r"(?im)^\s*EXCHANGE\s+(\d{3}[- ]?\d{9,10})\s*(?:/|$)")
# Amadeus original-issue element: `FO 717-5458159027CCS25OCT14/95510236/...`.
AMADEUS_FO = re.compile(r"(?m)^\s*FO\s*(\d{3})-?(\d{10})")


def original_ticket_number(text: str) -> str | None:
    """The 13-digit number of the ticket this document exchanges, or None."""
    for pattern in (KIU_ORIGINAL_ISSUE, AMADEUS_FO):
        match = pattern.search(text)
        if match:
            return match.group(1) + match.group(2)
    match = KIU_EXCHANGE.search(text)
    if match:
        digits = re.sub(r"\D", "", match.group(1))
        # 12 digits: the airline prefix printed without its leading zero (052 -> 52).
        return digits.zfill(13)
    return None
