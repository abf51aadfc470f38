"""Format detection by content markers."""

from __future__ import annotations

import re

from .errors import UnknownTicketFormat

# Markers are plain substrings or anchored patterns, so detection stays linear in the size.
DETECT_CHARS = 400_000
# Sabre's receipt title or "prepared for", and its locator label, in Spanish, English, Portuguese.
SABRE_TITLES = ("RECIBO DE BOLETO ELECTR", "ELECTRONIC TICKET RECEIPT", "RECIBO DE BILHETE ELETR",
                "RECIBO DO BILHETE ELETR", "PREPARADO PARA", "PREPARED FOR")  # fmt: skip
SABRE_LOCATORS = ("DIGO DE RESERVACI", "RESERVATION CODE", "DIGO DE RESERVA", "LOCALIZADOR DA RESERVA")
AMADEUS_TICKETS = ("BILLETE ELECTR", "ELECTRONIC TICKET", "BILHETE ELETR")
COPA_TITLES = ("ITINERARIO PARA LOCALIZADOR DE RESERVA", "ITINERARY FOR RECORD LOCATOR",
               "ITINERÁRIO PARA LOCALIZADOR DA RESERVA", "ITINERARIO PARA LOCALIZADOR DA RESERVA")  # fmt: skip


def detect_format(text: str) -> str:
    head = text[:DETECT_CHARS]
    upper = head.upper()
    if ("PASSENGER ITINERARY RECEIPT" in upper or "RECIBO DE ITINERARIO" in upper) and (
        "BOOKING REF" in upper or "CODIGO DE RESERVA" in upper or "FROM/TO" in upper
    ):
        return "kiu"
    if re.search(r"(?m)^[ \t]*TKT-\d{13}\b", head) and "LOC-" in head:
        return "amadeus"
    if any(m in upper for m in SABRE_TITLES) and any(m in upper for m in SABRE_LOCATORS):
        return "sabre"
    if ("CHECKMYTRIP" in upper or "AMADEUS.NET" in upper) and any(m in upper for m in AMADEUS_TICKETS):
        return "amadeus"
    if any(m in upper for m in COPA_TITLES):
        return "copa"
    if "ESTADO DE COMPRA" in upper and re.search(r"N[ÚU]MERO DE (TIQUETE|TICKET)", upper):
        return "airline_web"
    raise UnknownTicketFormat(
        "the document is not a known e-ticket format (KIU, Sabre, Amadeus, Copa, airline web e-mail)"
    )
