"""Every corpus document parses to its truth record, compared the way the shared scorer does."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from core.management.commands.parse_ticket import Command
from core.ticket_parser import extract_data_from_text, parse_document

CORPUS = Path(__file__).parent / "corpus"
DOCUMENTS = sorted(p for p in CORPUS.iterdir() if p.suffix in {".eml", ".txt", ".html", ".pdf"})
TOP_FIELDS = [
    "format", "passenger_name", "passenger_document", "ticket_number", "pnr", "airline_pnr",
    "issuing_airline", "issue_date", "issuing_agent", "office_id", "currency", "fare",
    "taxes", "taxes_total", "total", "form_of_payment", "is_exchange",
]  # fmt: skip
SEGMENT_FIELDS = [
    "carrier", "flight_number", "origin", "origin_code", "destination", "destination_code",
    "departure_date", "departure_time", "arrival_time", "booking_class", "fare_basis", "baggage", "status",
]  # fmt: skip


def norm(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return json.dumps({k: norm(v) for k, v in sorted(value.items())})
    if isinstance(value, list):
        return json.dumps([norm(v) for v in value])
    return re.sub(r"\s+", " ", str(value)).strip().upper()


def norm_amount(value) -> str:
    return "" if value in (None, "") else f"{float(str(value).replace(',', '')):.2f}"


def comparable(field: str, value):
    """The value as the scorer compares it (amounts numerically, taxes as a sorted set)."""
    if field in ("fare", "total", "taxes_total"):
        return norm_amount(value)
    if field == "taxes":
        return sorted((norm(t["code"]), norm_amount(t["amount"])) for t in value or [])
    if field == "ticket_number":
        return re.sub(r"\D", "", str(value or ""))
    return norm(value)


def expected_records(document: Path) -> list[dict]:
    data = json.loads(document.with_suffix(".expected.json").read_text(encoding="utf-8"))
    return data if isinstance(data, list) else [data]


@pytest.mark.parametrize("document", DOCUMENTS, ids=[p.name for p in DOCUMENTS])
def test_document_matches_truth(document: Path) -> None:
    expected = expected_records(document)
    got = parse_document(document.read_bytes(), document.name)
    assert len(got) == len(expected)
    by_ticket = {r["ticket_number"]: r for r in got}
    for truth in expected:
        record = by_ticket[truth["ticket_number"]]
        assert set(record) == set(TOP_FIELDS) | {"segments"}
        for field in TOP_FIELDS:
            assert comparable(field, record[field]) == comparable(field, truth[field]), field
        assert len(record["segments"]) == len(truth["segments"])
        for i, (seg, seg_truth) in enumerate(zip(record["segments"], truth["segments"], strict=True)):
            for field in SEGMENT_FIELDS:
                assert comparable(field, seg[field]) == comparable(field, seg_truth[field]), f"segments[{i}].{field}"


def test_extract_data_from_text_reads_a_plain_receipt() -> None:
    text = (CORPUS / "094_amadeus.txt").read_text(encoding="utf-8")
    [record] = extract_data_from_text(text)
    assert record["ticket_number"] == "7175458159024"
    assert [s["destination"] for s in record["segments"]] == ["MUN", "CCS"]


@pytest.mark.django_db  # the command reads the airports catalog
def test_command_prints_a_list_for_several_tickets(capsys: pytest.CaptureFixture[str]) -> None:
    Command().run_from_argv(["manage.py", "parse_ticket", str(CORPUS / "056_copa.txt"), "--json"])
    printed = json.loads(capsys.readouterr().out)
    assert isinstance(printed, list)
    assert [r["passenger_name"] for r in printed] == ["FLORES/NORA", "GALINDO/OSCAR"]


@pytest.mark.django_db  # the command reads the airports catalog
def test_command_prints_one_object_for_one_ticket(capsys: pytest.CaptureFixture[str]) -> None:
    Command().run_from_argv(["manage.py", "parse_ticket", str(CORPUS / "001_kiu.eml"), "--json"])
    printed = json.loads(capsys.readouterr().out)
    assert printed["ticket_number"] == "0520330592455"
