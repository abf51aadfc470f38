"""Format detection by content markers."""

from __future__ import annotations

import re

from .errors import UnknownTicketFormat

# Markers are plain substrings or anchored patterns, so detection stays linear in the size.
DETECT_CHARS = 400_000


def detect_format(text: str) -> str:
    head = text[:DETECT_CHARS]
    upper = head.upper()
    if ("PASSENGER ITINERARY RECEIPT" in upper or "RECIBO DE ITINERARIO" in upper) and (
        "BOOKING REF" in upper or "CODIGO DE RESERVA" in upper or "FROM/TO" in upper
    ):
        return "kiu"
    if re.search(r"(?m)^[ \t]*TKT-\d{13}\b", head) and "LOC-" in head:
        return "amadeus"
    if ("RECIBO DE BOLETO ELECTR" in upper or "PREPARADO PARA" in upper) and "DIGO DE RESERVACI" in upper:
        return "sabre"
    if ("CHECKMYTRIP" in upper or "AMADEUS.NET" in upper) and "BILLETE ELECTR" in upper:
        return "amadeus"
    if "ITINERARIO PARA LOCALIZADOR DE RESERVA" in upper or "ITINERARY FOR RECORD LOCATOR" in upper:
        return "copa"
    if "ESTADO DE COMPRA" in upper and re.search(r"N[ÚU]MERO DE (TIQUETE|TICKET)", upper):
        return "airline_web"
    raise UnknownTicketFormat(
        "the document is not a known e-ticket format (KIU, Sabre, Amadeus, Copa, airline web e-mail)"
    )
