"""Reading what bench/mixed.lua printed (MIXED_* lines) into per-route
figures, and the time-bucketed latencies the drill's recovery is read from."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bench.load import percentile


@dataclass
class Samples:
    """Every answered request of a run, in the order of the arrays."""

    routes: list[str]
    route: list[int] = field(default_factory=list)  # index into routes, 1-based (Lua's)
    start_ms: list[float] = field(default_factory=list)  # CLOCK_MONOTONIC, as time.monotonic() * 1000
    latency_ms: list[float] = field(default_factory=list)
    status: list[int] = field(default_factory=list)
    ok: list[int] = field(default_factory=list)
    # wrk's own counts: requests never answered (connect/read/write errors, timeouts).
    socket_errors: dict[str, int] = field(default_factory=dict)
    duration_s: float = 0.0
    failures: list[str] = field(default_factory=list)
    # Message sends answered 201: message id -> wall-clock ms the send started.
    sends: dict[int, float] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.route)

    def window(self, start_ms: float, end_ms: float) -> Samples:
        """The requests started in [start_ms, end_ms)."""
        kept = [i for i, started in enumerate(self.start_ms) if start_ms <= started < end_ms]
        return Samples(
            routes=self.routes,
            route=[self.route[i] for i in kept],
            start_ms=[self.start_ms[i] for i in kept],
            latency_ms=[self.latency_ms[i] for i in kept],
            status=[self.status[i] for i in kept],
            ok=[self.ok[i] for i in kept],
            duration_s=(end_ms - start_ms) / 1000,
        )


def parse_wrk_output(lines: Iterable[str], sample_lines: Iterable[str], routes: Sequence[str]) -> Samples:
    """wrk's printed lines (MIXED_WRK) and the threads' sample files' lines:
    `route start_ms latency_ms status ok`, or `F route status body` for the
    first wrong answers of a thread."""
    samples = Samples(routes=list(routes))
    for line in lines:
        kind, _, payload = line.partition(" ")
        if kind == "MIXED_WRK":
            summary = json.loads(payload)
            samples.duration_s = summary["duration_us"] / 1e6
            samples.socket_errors = {
                name: summary[name] for name in ("connect", "read", "write", "timeout") if summary[name]
            }
    for line in sample_lines:
        if line.startswith("F "):
            samples.failures.append(line[2:])
            continue
        if line.startswith("S "):
            _, message, sent_at = line.split()
            samples.sends[int(message)] = float(sent_at)
            continue
        fields = line.split()
        if len(fields) != 5:
            continue  # a line cut short by a killed wrk
        samples.route.append(int(fields[0]))
        samples.start_ms.append(float(fields[1]))
        samples.latency_ms.append(float(fields[2]))
        samples.status.append(int(fields[3]))
        samples.ok.append(int(fields[4]))
    return samples


@dataclass(frozen=True)
class RouteFigures:
    route: str
    requests: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    # Wrong answers by status ("200" for a 200 whose body was not the expected one).
    errors: dict[str, int]

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def figures(samples: Samples, route: str | None = None) -> RouteFigures:
    """One route's figures, or (route None) the whole mix's; socket errors count for the whole mix."""
    if route is None:
        indices = range(len(samples))
    else:
        number = samples.routes.index(route) + 1
        indices = [i for i, r in enumerate(samples.route) if r == number]
    latencies = [samples.latency_ms[i] for i in indices]
    errors = Counter(str(samples.status[i]) for i in indices if not samples.ok[i])
    if route is None:
        errors.update(samples.socket_errors)
    duration = samples.duration_s or 1.0
    return RouteFigures(
        route=route or "total",
        requests=len(latencies),
        rps=len(latencies) / duration,
        p50_ms=percentile(latencies, 50) if latencies else 0.0,
        p95_ms=percentile(latencies, 95) if latencies else 0.0,
        p99_ms=percentile(latencies, 99) if latencies else 0.0,
        errors=dict(sorted(errors.items())),
    )


def per_second(samples: Samples, start_ms: float, seconds: int) -> list[tuple[int, float, int]]:
    """(second, p95 ms, wrong answers) of each second from start_ms; p95 0 when nothing was answered."""
    buckets: list[list[float]] = [[] for _ in range(seconds)]
    wrong = [0] * seconds
    for started, latency, ok in zip(samples.start_ms, samples.latency_ms, samples.ok, strict=True):
        second = int((started - start_ms) // 1000)
        if 0 <= second < seconds:
            buckets[second].append(latency)
            wrong[second] += 0 if ok else 1
    return [(second, percentile(bucket, 95) if bucket else 0.0, wrong[second]) for second, bucket in enumerate(buckets)]


def recovery_seconds(
    buckets: Sequence[tuple[int, float, int]], fault_end_s: int, target_p95_ms: float, steady: int = 3
) -> int | None:
    """Seconds from the end of a fault until p95 stays under target (with no
    wrong answer) for `steady` seconds in a row; None if it never does."""
    run = 0
    for second, p95, wrong in buckets:
        if second < fault_end_s:
            continue
        if 0 < p95 < target_p95_ms and wrong == 0:
            run += 1
            if run == steady:
                return second - steady + 1 - fault_end_s
        else:
            run = 0
    return None


def delivery_latencies(sends: dict[int, float], arrivals: dict[int, float]) -> tuple[list[float], int]:
    """Send -> receipt (ms) of each message sent and received, and how many
    sent messages never arrived."""
    latencies = [arrivals[message] - sent_at for message, sent_at in sends.items() if message in arrivals]
    return latencies, len(sends) - len(latencies)
