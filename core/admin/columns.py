"""Column values that keep a changelist within a 1366 px screen: long names
cut with the whole one on hover, dates and times in their short form."""

import datetime

from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.text import Truncator

# Characters of a name shown in a list column.
NAME_CHARS = 40


def shortened(name: str, chars: int = NAME_CHARS) -> str:
    if len(name) <= chars:
        return name
    return format_html('<span title="{}">{}</span>', name, Truncator(name).chars(chars))


def short_date(day: datetime.date | None) -> str:
    return "—" if day is None else formats.date_format(day, "SHORT_DATE_FORMAT")


def short_datetime(moment: datetime.datetime | None) -> str:
    if moment is None:
        return "—"
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
