"""CPU accounting around a measured run: how much of the machine went to
processes other than the server under test and the load generator. On a
shared machine that share is what makes two runs disagree."""

from __future__ import annotations

import os
import resource
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def _machine_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields) - idle) / _TICKS, sum(fields) / _TICKS


def machine_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot: total
    advances by the number of cores every second."""
    return _machine_seconds()


def process_seconds(pids: Iterable[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / _TICKS
    return total


def _children_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class CpuWatch:
    """Start before a run, `stop()` after; the pids are the server's."""

    pids: list[int]

    def __post_init__(self) -> None:
        self._machine = _machine_seconds()
        self._server = process_seconds(self.pids)
        self._children = _children_seconds()

    def stop(self) -> dict[str, float]:
        """Shares of the machine's CPU (1.0 = every core busy) during the run."""
        busy, total = _machine_seconds()
        elapsed = total - self._machine[1]
        if elapsed <= 0:
            return {"server": 0.0, "loader": 0.0, "others": 0.0}
        server = process_seconds(self.pids) - self._server
        loader = _children_seconds() - self._children
        others = busy - self._machine[0] - server - loader
        return {"server": server / elapsed, "loader": loader / elapsed, "others": max(0.0, others / elapsed)}


def idle_share(seconds: float = 1.0) -> float:
    """Share of the machine's CPU left idle over the next `seconds`."""
    import time

    busy, total = _machine_seconds()
    time.sleep(seconds)
    busy_after, total_after = _machine_seconds()
    return 1 - (busy_after - busy) / max(total_after - total, 1e-9)


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (children, their children…), from /proc."""
    found, pending = [], [pid]
    while pending:
        parent = pending.pop()
        try:
            children = [int(child) for child in Path(f"/proc/{parent}/task/{parent}/children").read_text().split()]
        except OSError:
            continue
        found += children
        pending += children
    return found
