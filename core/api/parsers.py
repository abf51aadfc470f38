"""Request body parsers: DRF's, refusing what it would let through to a 500.

A JSON body nested deeper than MAX_JSON_DEPTH (Python's decoder recurses,
and so would every serializer after it) or holding a control character NUL
in any string or key (PostgreSQL refuses NUL in text) is a 400 parse error."""

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# No body of ours nests a tenth as deep; DRF's decoder fails near 1,000.
MAX_JSON_DEPTH = 32


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as too_deep:
            raise ParseError(_too_deep()) from too_deep
        _check_json(data)
        return data


def _too_deep() -> str:
    return _("El JSON anida más de %(depth)d niveles.") % {"depth": MAX_JSON_DEPTH}


def _check_json(data) -> None:
    """Depth and NUL, walked without recursion."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise ParseError(_("El JSON contiene el carácter NUL (\\u0000)."))
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_JSON_DEPTH:
            raise ParseError(_too_deep())
        if isinstance(value, dict):
            pending.extend((key, depth) for key in value)
            pending.extend((item, depth + 1) for item in value.values())
        else:
            pending.extend((item, depth + 1) for item in value)
