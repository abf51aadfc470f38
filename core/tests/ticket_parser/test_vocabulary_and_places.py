"""Dates, times and labels in Spanish, English and Portuguese; airports resolved by name
only when one airport fits; partial records that never invent a value."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from core.ticket_parser import TicketParseError, extract_data_from_text
from core.ticket_parser.documents import document_texts
from core.ticket_parser.email_text import decode_quoted_printable
from core.ticket_parser.places import airport_table, resolve_airport
from core.ticket_parser.vocabulary import find_date, find_times, label_pattern, month_number

ISSUED = date(2025, 11, 20)


@pytest.mark.parametrize(
    ("printed", "month"),
    [("feb", 2), ("Feb.", 2), ("FEBRERO", 2), ("fevereiro", 2), ("março", 3), ("Sept.", 9), ("set", 9),
     ("SETIEMBRE", 9), ("out", 10), ("dez", 12), ("DIC", 12), ("ene", 1), ("Mai", 5), ("agosto", 8)],
)  # fmt: skip
def test_month_names_of_the_three_languages(printed: str, month: int) -> None:
    assert month_number(printed) == month


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("25 feb 25", date(2025, 2, 25)),
        ("27ene21", date(2021, 1, 27)),
        ("07 ABR 2025", date(2025, 4, 7)),
        ("25 de febrero de 2025", date(2025, 2, 25)),
        ("5 março 2026", date(2026, 3, 5)),
        ("February 25, 2026", date(2026, 2, 25)),
        ("18FEB.26", date(2026, 2, 18)),
        ("2026-01-05", date(2026, 1, 5)),
        ("12/11/2025", date(2025, 11, 12)),
        # Without a year: the first such day on or after the issue date, rolling into the next year.
        ("THU 22JAN", date(2026, 1, 22)),
        ("30 nov", date(2025, 11, 30)),
        ("15 de diciembre", date(2025, 12, 15)),
    ],
)
def test_dates_with_and_without_year(printed: str, expected: date) -> None:
    assert find_date(printed, ISSUED) == expected


def test_a_date_without_year_and_without_issue_date_is_not_guessed() -> None:
    assert find_date("22JAN", None) is None


def test_twelve_and_twenty_four_hour_times() -> None:
    assert find_times("01:32 PM  12:05 a.m.  12:22 PM  23:55  06:15 p. m.  13h30") == [
        "13:32", "00:05", "12:22", "23:55", "18:15", "13:30",
    ]  # fmt: skip


def test_labels_match_without_accents_and_in_any_case() -> None:
    pattern = re.compile(label_pattern("CÓDIGO DE RESERVACIÓN", "Reservation code"), re.IGNORECASE)
    assert pattern.fullmatch("Codigo de  reservacion")
    assert pattern.fullmatch("RESERVATION CODE")
    assert not pattern.fullmatch("Código de reserva")


TABLE = airport_table(
    [
        ("CCS", "Maiquetia (Simon Bolivar Internacional) Airport", "Caracas", "VE"),
        ("PTY", "Tocumen International Airport", "Tocumen", "PA"),
        ("BLB", "Howard/Panama Pacifico International Airport", "Panama City", "PA"),
        ("GRU", "Guarulhos International Airport", "Sao Paulo", "BR"),
        ("CGH", "Congonhas Airport", "Sao Paulo", "BR"),
        ("MIA", "Miami International Airport", "Miami", "US"),
        ("OPF", "Miami-Opa Locka Executive Airport", "Miami", "US"),
        ("YTZ", "Billy Bishop Toronto City Airport", "Toronto", "CA"),
        ("YYZ", "Toronto Pearson International Airport", "Mississauga", "CA"),
        ("CDG", "Charles de Gaulle International Airport", "Paris", "FR"),
        ("ORY", "Paris-Orly Airport", "Paris", "FR"),
        ("BVA", "Paris Beauvais Tille Airport", "Beauvais", "FR"),
    ],
    {
        "VE": ("VEN", "Venezuela"),
        "PA": ("PAN", "Panama", "Panamá"),
        "BR": ("BRA", "Brazil", "Brasil"),
        "US": ("USA", "United States"),
        "CA": ("CAN", "Canada"),
        "FR": ("FRA", "France", "Francia"),
    },
)


@pytest.mark.parametrize(
    ("printed", "code"),
    [
        ("Caracas, VE", "CCS"),  # the city's only airport
        ("CARACAS, VENEZUELA", "CCS"),
        ("caracas", "CCS"),
        ("Panama City Tocumen International, PA", "PTY"),  # the airport the text names
        ("SAO PAULO GUARULHOS, BRAZIL", "GRU"),
        ("São Paulo Congonhas", "CGH"),
        ("PARIS DE GAULLE, FRANCE", "CDG"),
        ("Miami International Apt, US", "MIA"),
        # Several airports and none named: left as a name.
        ("SAO PAULO", None),
        ("MIAMI, UNITED STATES", None),
        ("PARIS, FRANCE", None),
        # Toronto's main airport is filed under Mississauga: Toronto is not Billy Bishop alone.
        ("TORONTO, CANADA", None),
        ("Toronto Pearson International", "YYZ"),
        ("PORLAMAR", None),
        ("", None),
    ],
)
def test_airports_resolve_only_when_one_fits(printed: str, code: str | None) -> None:
    assert resolve_airport(printed, TABLE) == code


def test_soft_line_breaks_padded_by_the_transport_are_decoded() -> None:
    assert decode_quoted_printable(b"NAME/NOMBRE:  PEREZ/JU=  \r\nAN\r\n") == b"NAME/NOMBRE:  PEREZ/JUAN\r\n"


def test_an_unknown_layout_gives_what_it_prints_and_lists_the_rest() -> None:
    text = "Reserva confirmada\nPassenger: DIAZ/ELENA\nBooking reference: K7PQRS\nTicket number: 045-2101234567\n"
    [record] = extract_data_from_text(text)
    assert (record["format"], record["ticket_number"], record["pnr"]) == ("unknown", "0452101234567", "K7PQRS")
    assert record["passenger_name"] == "DIAZ/ELENA"
    assert record["missing"] == ["currency", "fare", "issue_date", "segments", "total"]
    assert (record["fare"], record["total"], record["currency"]) == (None, None, None)


def test_an_amount_without_its_currency_is_not_kept() -> None:
    text = "Ticket number: 045-2101234567\nPassenger: DIAZ/ELENA\nTotal: $ 350.00\n"
    [record] = extract_data_from_text(text)
    assert record["total"] is None
    assert "total" in record["missing"]


@pytest.mark.parametrize(
    "text",
    [
        "Gracias por su compra. Total: USD 120.00",
        "Localizador: ZPQ7RM\nTotal: USD 120.00\n",  # a locator and a price are no ticket
        "Llámenos al 0212-5550100 o al 4242773856123",  # a 13-digit phone number is no ticket
    ],
)
def test_a_document_without_ticket_data_stays_an_error(text: str) -> None:
    with pytest.raises(TicketParseError):
        extract_data_from_text(text)


def test_a_kiu_name_takes_no_character_of_the_next_line() -> None:
    dump = (Path(__file__).parent / "layouts" / "207_kiu.txt").read_bytes()
    [text] = document_texts(dump)
    # As an HTML part reads once its spacing is collapsed: the next line's text follows the name.
    text = re.sub(r"NAME/NOMBRE:\s+GUTIERREZ PAZ/ROSA\s*\n", "NAME/NOMBRE: GUTIERREZ PAZ/ROSA 1 ", text)
    [record] = extract_data_from_text(text)
    assert record["passenger_name"] == "GUTIERREZ PAZ/ROSA"


def test_a_bare_name_label_gives_no_passenger_unless_written_surname_first() -> None:
    text = "Nombre: AGENCIA DE VIAJES EJEMPLO\nTicket number: 045-2101234567\nReservation code: K7PQRS\n"
    [record] = extract_data_from_text(text)
    assert record["passenger_name"] is None
    [record] = extract_data_from_text(text + "Pasajero: ELENA DIAZ\n")
    assert record["passenger_name"] == "DIAZ/ELENA"
