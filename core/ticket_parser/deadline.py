"""A parse's time budget.

The parsers are linear in the size of what they read, and the sizes are
capped, but a document can still be slow on purpose (a PDF is a program that
draws text). The caller gives the parse a budget (`parse_time_budget`); the
parsing steps call `time_budget_check` between units of work (a candidate
text, a format parser, a PDF page, a PDF drawing operation) and ParseTimeout
stops the parse once the budget is spent. Steps between two checks are
short: no single one is quadratic, and each reads capped sizes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from .errors import ParseTimeout

# (deadline on time.monotonic(), the budget in seconds) of the parse under way.
_budget: ContextVar[tuple[float, float] | None] = ContextVar("ticket_parse_budget", default=None)


@contextmanager
def parse_time_budget(seconds: float | None) -> Iterator[None]:
    """Parses inside the block stop with ParseTimeout after `seconds` (None: no limit)."""
    if seconds is None:
        yield
        return
    token = _budget.set((time.monotonic() + seconds, seconds))
    try:
        yield
    finally:
        _budget.reset(token)


def time_budget_check() -> None:
    """Raise ParseTimeout when the parse under way has spent its budget."""
    budget = _budget.get()
    if budget is not None and time.monotonic() >= budget[0]:
        raise ParseTimeout(f"parsing took longer than its {budget[1]:g} s budget")
