"""Ticket parser speed: documents per second over the dev corpus, in one process.

Parses every document of core/tests/ticket_parser/corpus (the anonymized dev
tickets, as files: e-mails, text, HTML) with core.ticket_parser.parse_document
and the airports table the import passes (built once, untimed), after one
untimed pass to warm imports, for --rounds rounds, and reports the median round.
The project's target: at least 500 documents per second."""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from bench.environment import machine
from bench.report import print_table, summary_line

CORPUS = Path(__file__).resolve().parent.parent / "core" / "tests" / "ticket_parser" / "corpus"
TARGET_DOCS_PER_SECOND = 500


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rounds", type=int, default=5, help="timed passes over the corpus (median reported)")


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    import django

    django.setup()
    from core.selectors.catalogs import ticket_airport_table
    from core.ticket_parser import parse_document

    airports = ticket_airport_table()

    documents = [
        (path.name, path.read_bytes())
        for path in sorted(CORPUS.iterdir())
        if path.is_file() and not path.name.endswith(".json") and path.name != "README.md"
    ]
    records = sum(
        len(parse_document(data, name, airports=airports)) for name, data in documents
    )  # warm-up, and a sanity check
    per_format: dict[str, list[float]] = {}
    round_rates = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        for name, data in documents:
            began = time.perf_counter()
            parse_document(data, name, airports=airports)
            per_format.setdefault(name.rsplit("_", 1)[-1].split(".")[0], []).append(time.perf_counter() - began)
        round_rates.append(len(documents) / (time.perf_counter() - started))

    info = machine()
    print(f"machine: {info['cores']} cores, {info['cpu']}, Python {info['python']}")
    print(f"corpus: {len(documents)} documents, {records} ticket records, {args.rounds} timed rounds")
    print_table(
        ["format", "documents", "mean ms", "max ms"],
        [
            [fmt, len(times) // args.rounds, statistics.mean(times) * 1000, max(times) * 1000]
            for fmt, times in sorted(per_format.items())
        ],
    )
    rate = statistics.median(round_rates)
    print(f"docs/s of each round: {'/'.join(f'{r:.0f}' for r in round_rates)}")
    verdict = "met" if rate >= TARGET_DOCS_PER_SECOND else "NOT met"
    print(f"target (>= {TARGET_DOCS_PER_SECOND} docs/s): {verdict}")
    print(summary_line("parser", {"docs": len(documents), "docs_per_s": rate}))
    return 0
