"""Exceptions raised by the e-ticket parsers."""


class TicketParseError(Exception):
    """A document could not be turned into ticket records."""


class UnknownTicketFormat(TicketParseError):
    """The document is in none of the supported e-ticket formats."""


class UnreadableDocument(TicketParseError):
    """The bytes could not be decoded into text (corrupt PDF, binary data, ...)."""


class ParseTimeout(TicketParseError):
    """Parsing the document took longer than its time budget."""
