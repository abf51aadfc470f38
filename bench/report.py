"""Printing of benchmark figures and of the one summary line each ends with."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bench.load import LoadResult


def format_value(value: object) -> str:
    if isinstance(value, float):
        if value >= 100:
            return f"{value:.0f}"
        if value >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}"
    return str(value)


def print_table(headers: list[str], rows: Iterable[list[object]]) -> None:
    cells = [headers, *([format_value(value) for value in row] for row in rows)]
    widths = [max(len(row[column]) for row in cells) for column in range(len(headers))]
    for index, row in enumerate(cells):
        print(
            "  ".join(
                cell.ljust(width) if column == 0 else cell.rjust(width)
                for column, (cell, width) in enumerate(zip(row, widths, strict=True))
            )
        )
        if index == 0:
            print("  ".join("-" * width for width in widths))


def load_rows(results: Mapping[str, LoadResult]) -> list[list[object]]:
    return [
        [
            label,
            result.rps,
            result.p50_ms,
            result.p90_ms,
            result.p99_ms,
            result.max_ms,
            result.requests,
            round(result.bytes_per_request),
            result.error_count,
            _cpu(result, "server"),
            _cpu(result, "loader"),
            _cpu(result, "others"),
        ]
        for label, result in results.items()
    ]


def _cpu(result: LoadResult, part: str) -> str:
    return f"{result.cpu[part]:.0%}" if result.cpu else "-"


# cpu: share of the whole machine (every core) used by the server, by wrk, and by any other process.
LOAD_HEADERS = [
    "case",
    "req/s",
    "p50 ms",
    "p90 ms",
    "p99 ms",
    "max ms",
    "requests",
    "bytes/req",
    "errors",
    "cpu server",
    "cpu wrk",
    "cpu others",
]


def summary_line(name: str, figures: Mapping[str, object]) -> str:
    """`NAME: key=value key=value ...`, the last line a benchmark prints."""
    return f"{name}: " + " ".join(f"{key}={format_value(value)}" for key, value in figures.items())
