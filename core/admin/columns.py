"""Column values that keep a changelist within a 1366 px screen: long names
cut with the whole one on hover, dates and times in their short form."""

import datetime

from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.text import Truncator

# Characters of a name shown in a list column.
NAME_CHARS = 40


def shortened(name: str) -> str:
    if len(name) <= NAME_CHARS:
        return name
    return format_html('<span title="{}">{}</span>', name, Truncator(name).chars(NAME_CHARS))


def short_datetime(moment: datetime.datetime | None) -> str:
    if moment is None:
        return "—"
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
