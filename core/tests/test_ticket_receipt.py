import datetime
from io import BytesIO

import pytest
from pypdf import PdfReader

from core.services.pdf_rendering import arrival_day_offset, form_of_payment_masked, ticket_receipt_pdf_bytes
from core.tests.factories import (
    AirlineFactory,
    AirportFactory,
    CountryFactory,
    CurrencyFactory,
    ImportedTicketFactory,
    TicketSegmentFactory,
)


def receipt_text(ticket, record) -> str:
    pdf = ticket_receipt_pdf_bytes(ticket, record, list(ticket.segments.order_by("position")))
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


RECORD = {
    "currency": "USD",
    "fare": "1180.00",
    "taxes": [{"code": "PE", "amount": "30.25"}],
    "taxes_total": "30.25",
    "total": "1210.25",
    "form_of_payment": "CCVIXXXXXXXXXXXX3930/0416/N009078",
}


@pytest.fixture
def lima_to_tokyo(db):
    """LA 2047 Lima–Santiago and JL 47 Lima–Tokyo, with both airlines and
    the three airports in the catalogs."""
    CurrencyFactory(code="USD", symbol="$", minor_units=2)
    AirlineFactory(iata_code="LA", name="LATAM Airlines Perú")
    AirlineFactory(iata_code="JL", name="Japan Airlines")
    peru = CountryFactory(code="PE")
    AirportFactory(iata_code="LIM", name="Aeropuerto Internacional Jorge Chávez", city_name="Lima", country=peru)
    AirportFactory(
        iata_code="SCL",
        name="Aeropuerto Internacional Arturo Merino Benítez",
        city_name="Santiago",
        country=CountryFactory(code="CL"),
        time_zone="America/Santiago",
    )
    AirportFactory(
        iata_code="NRT",
        name="Narita International Airport",
        city_name="Tokyo",
        country=CountryFactory(code="JP"),
        time_zone="Asia/Tokyo",
    )
    ticket = ImportedTicketFactory(airline_code="LA", airline_name="LAN PERU S.A.")
    # Printed as codes only (Amadeus): the city comes from the catalog.
    TicketSegmentFactory(
        ticket=ticket,
        position=0,
        carrier="LA",
        flight_number="2047",
        origin="LIM",
        origin_code="LIM",
        destination="SCL",
        destination_code="SCL",
        departure_date=datetime.date(2026, 12, 3),
        departure_time="22:10",
        arrival_time="04:35",
        booking_class="Y",
        fare_basis="YLOWPE1/CH25XPROMO",
        baggage="2PC",
        status="CONFIRMADO",
    )
    TicketSegmentFactory(
        ticket=ticket,
        position=1,
        carrier="JL",
        flight_number="47",
        origin="LIMA",
        origin_code="LIM",
        destination="TOKYO",
        destination_code="NRT",
        departure_date=datetime.date(2026, 12, 10),
        departure_time="09:00",
        arrival_time="16:30",
        booking_class="Q",
        fare_basis="QLOWPE",
        baggage="1PC",
        status="OK",
    )
    return ticket


def test_airlines_and_airports_are_named_from_the_catalogs_next_to_their_codes(lima_to_tokyo):
    # Names may wrap in their column.
    text = " ".join(receipt_text(lima_to_tokyo, RECORD).split())

    assert "LATAM Airlines Perú (LA)" in text
    assert "LAN PERU" not in text
    assert "Japan Airlines" in text
    assert "Lima (LIM)" in text
    assert "Santiago (SCL)" in text
    assert "TOKYO (NRT)" in text
    assert "Aeropuerto Internacional Jorge Chávez" in text
    assert "Narita International Airport" in text


@pytest.mark.django_db
def test_an_airline_the_catalog_does_not_know_keeps_its_printed_name():
    ticket = ImportedTicketFactory(airline_code="9V", airline_name="AVIOR AIRLINES C.A")
    TicketSegmentFactory(ticket=ticket, carrier="9V")

    assert "AVIOR AIRLINES C.A (9V)" in receipt_text(ticket, RECORD)


def test_overnight_arrivals_say_plus_one_and_others_nothing(lima_to_tokyo):
    text = receipt_text(lima_to_tokyo, RECORD)

    # Lima 22:10 to Santiago 04:35 lands the next day; Lima 09:00 to
    # Tokyo 16:30 too, by Tokyo's clock (a 17.5 h trip).
    assert "04:35 +1" in text
    assert "16:30 +1" in text
    assert "09:00 +" not in text


@pytest.mark.parametrize(
    ("departs", "arrives", "origin", "destination", "offset"),
    [
        ("06:30", "07:30", "America/Caracas", "America/Caracas", 0),
        ("23:50", "01:10", "America/Lima", "America/Lima", 1),
        # Without the time zones an earlier time is the next day.
        ("23:50", "01:10", "", "", 1),
        ("06:30", "07:30", "", "", 0),
        # Westbound across the date line: leaves Tokyo 17:00, lands in Los Angeles 10:30 the same date.
        ("17:00", "10:30", "Asia/Tokyo", "America/Los_Angeles", 0),
        # Eastbound across the date line: Los Angeles 23:30 to Auckland 09:30, two dates later.
        ("23:30", "09:30", "America/Los_Angeles", "Pacific/Auckland", 2),
        # Auckland 10:00 to Honolulu 20:00 the day before (9 h).
        ("10:00", "20:00", "Pacific/Auckland", "Pacific/Honolulu", -1),
        ("", "07:30", "", "", 0),
        ("25:99", "07:30", "", "", 0),
    ],
)
def test_the_arrival_day_is_the_first_that_fits_a_flight(departs, arrives, origin, destination, offset):
    assert (
        arrival_day_offset(
            datetime.date(2026, 12, 3),
            departs,
            arrives,
            origin_time_zone=origin,
            destination_time_zone=destination,
        )
        == offset
    )


def test_codes_and_statuses_are_not_cut_mid_word(lima_to_tokyo):
    words = receipt_text(lima_to_tokyo, RECORD).split()

    assert "CONFIRMADO" in words
    assert "YLOWPE1/CH25XPROMO" in words


@pytest.mark.parametrize(
    ("printed", "shown"),
    [
        ("CCVIXXXXXXXXXXXX3930/0416/N009078", "Visa ****3930"),
        ("CCAX378282246310005/1127", "American Express ****0005"),
        ("FP CCCA5555555555554444/0528*E", "FP Mastercard ****4444"),
        ("CHEQUE 4111 1111 1111 1111 EXP 12/27", "CHEQUE ****1111"),
        ("CASH", "CASH"),
        ("O/CASH", "O/CASH"),
        ("MI BANCO MB154946709118", "MI BANCO MB154946709118"),
        ("TRANSFERENCIA TF541506", "TRANSFERENCIA TF541506"),
        ("Pago móvil PM104443520582", "Pago móvil PM104443520582"),
        ("Tarjeta ccvi4111xxxxxxxx1111/1228", "Tarjeta Visa ****1111"),
    ],
)
def test_a_card_shows_only_its_last_four_digits_and_never_its_expiry(printed, shown):
    assert form_of_payment_masked(printed) == shown


def test_the_receipt_masks_the_card_and_writes_the_currency_as_invoices_do(lima_to_tokyo):
    text = receipt_text(lima_to_tokyo, RECORD)

    assert "Forma de pago: Visa ****3930" in text
    assert "0416" not in text
    assert "N009078" not in text
    assert "US$ 1,180.00" in text
    assert "US$ 1,210.25" in text
    assert "USD 1" not in text


def test_the_catalogs_are_read_in_three_queries(lima_to_tokyo, django_assert_num_queries):
    segments = list(lima_to_tokyo.segments.all())

    # Airlines, airports, the currency.
    with django_assert_num_queries(3):
        ticket_receipt_pdf_bytes(lima_to_tokyo, RECORD, segments)
