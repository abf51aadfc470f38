"""Layouts the dev corpus lacks (see layouts/README.md) parse to their truth, scored field by
field as the shared scorer does, with airports resolved through a small lookup table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command

from core.tests.ticket_parser.test_corpus import SEGMENT_FIELDS, TOP_FIELDS, comparable
from core.ticket_parser import TicketParseError, airport_table, parse_document

LAYOUTS = Path(__file__).parent / "layouts"
DOCUMENTS = sorted(p for p in LAYOUTS.iterdir() if p.suffix in {".eml", ".txt", ".html", ".pdf"})

AIRPORTS = airport_table(
    [
        ("CCS", "Maiquetia (Simon Bolivar Internacional) Airport", "Caracas", "VE"),
        ("MAR", "La Chinita International Airport", "Maracaibo", "VE"),
        ("PTY", "Tocumen International Airport", "Tocumen", "PA"),
        ("BLB", "Howard/Panama Pacifico International Airport", "Panama City", "PA"),
        ("BOG", "El Dorado International Airport", "Bogota", "CO"),
        ("LIS", "Lisbon Portela Airport", "Lisbon", "PT"),
        ("PDL", "João Paulo II Airport", "Ponta Delgada", "PT"),
        ("MIA", "Miami International Airport", "Miami", "US"),
        ("OPF", "Miami-Opa Locka Executive Airport", "Miami", "US"),
        ("GRU", "Guarulhos - Governador Andre Franco Montoro International Airport", "Sao Paulo", "BR"),
        ("CGH", "Congonhas Airport", "Sao Paulo", "BR"),
        ("LIM", "Jorge Chavez International Airport", "Lima", "PE"),
        ("AOH", "Lima Allen County Airport", "Lima", "US"),
        ("HAV", "Jose Marti International Airport", "Havana", "CU"),
        ("MAD", "Madrid Barajas International Airport", "Madrid", "ES"),
        ("TOJ", "Torrejon Airport", "Madrid", "ES"),
        ("CDG", "Charles de Gaulle International Airport", "Paris", "FR"),
        ("ORY", "Paris-Orly Airport", "Paris", "FR"),
    ],
    {
        "VE": ("VEN", "Venezuela"),
        "PA": ("PAN", "Panama", "Panamá"),
        "CO": ("COL", "Colombia"),
        "PT": ("PRT", "Portugal"),
        "US": ("USA", "United States", "Estados Unidos"),
        "BR": ("BRA", "Brazil", "Brasil"),
        "PE": ("PER", "Peru", "Perú"),
        "CU": ("CUB", "Cuba"),
        "ES": ("ESP", "Spain", "España"),
        "FR": ("FRA", "France", "Francia"),
    },
)


def expected_records(document: Path) -> list[dict]:
    data = json.loads(document.with_name(document.stem + ".expected.json").read_text(encoding="utf-8"))
    return data if isinstance(data, list) else [data]


@pytest.mark.parametrize("document", DOCUMENTS, ids=[p.name for p in DOCUMENTS])
def test_layout_matches_truth(document: Path) -> None:
    expected = expected_records(document)
    got = parse_document(document.read_bytes(), document.name, airports=AIRPORTS)
    assert len(got) == len(expected)
    for truth, record in zip(expected, got, strict=True):
        assert set(record) == set(truth) - {"notes"}
        for field in TOP_FIELDS:
            assert comparable(field, record[field]) == comparable(field, truth[field]), field
        assert record.get("missing") == truth.get("missing")
        assert len(record["segments"]) == len(truth["segments"])
        for i, (seg, seg_truth) in enumerate(zip(record["segments"], truth["segments"], strict=True)):
            for field in SEGMENT_FIELDS:
                assert comparable(field, seg[field]) == comparable(field, seg_truth[field]), f"segments[{i}].{field}"


@pytest.mark.django_db  # the command reads the airports catalog
def test_partial_record_is_printed_for_review(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("parse_ticket", str(LAYOUTS / "210_unknown.txt"), "--json")
    printed = json.loads(capsys.readouterr().out)
    assert printed["status"] == "needs_review"
    assert printed["missing"] == ["fare"]
    # Never a silent zero: what the document does not print stays null.
    assert printed["fare"] is None
    assert printed["total"] == "1210.50"


@pytest.mark.django_db  # the command reads the airports catalog
def test_complete_record_is_printed_without_review_status(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("parse_ticket", str(LAYOUTS / "201_sabre.txt"), "--json")
    printed = json.loads(capsys.readouterr().out)
    assert "status" not in printed
    assert "missing" not in printed
    assert printed["ticket_number"] == "3317412005583"


def test_a_document_without_ticket_data_is_still_an_error() -> None:
    text = b"Localizador: ZPQ7RM\nTotal pagado: USD 1.210,50\nGracias por su compra.\n"
    with pytest.raises(TicketParseError):
        parse_document(text, "sin-boleto.txt")


def test_airports_are_left_as_names_without_a_table() -> None:
    [record, _] = parse_document((LAYOUTS / "204_copa.txt").read_bytes(), "204_copa.txt")
    assert [s["origin_code"] for s in record["segments"]] == [None, None]
    assert record["segments"][0]["origin"] == "Caracas, VE"


def test_a_sabre_name_printed_before_its_label_is_read() -> None:
    # The PDF's text may come out with the name line above "Preparado para".
    text = (LAYOUTS / "201_sabre.txt").read_text(encoding="utf-8")
    moved = text.replace(
        "Preparado para\nQUINTERO SALAS/MARTA ELENA MRS [J881200417]\n",
        "QUINTERO SALAS/MARTA ELENA MRS [J881200417]\nPreparado para\n",
    )
    [record] = parse_document(moved.encode(), "moved.txt")
    assert record["passenger_name"] == "QUINTERO SALAS/MARTA ELENA"
    assert "missing" not in record
