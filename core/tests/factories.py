import datetime
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory
from stdnum.pe import ruc

from core.models import (
    Airline,
    Airport,
    City,
    Client,
    Country,
    Currency,
    ImportedTicket,
    InvoiceSeries,
    Product,
    Supplier,
    TicketDocument,
    TicketSegment,
    User,
)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "a-strong-password-1")

    @factory.post_generation
    def _save(self, create, extracted, **kwargs):
        if create:
            self.save()


class CurrencyFactory(DjangoModelFactory):
    class Meta:
        model = Currency
        django_get_or_create = ["code"]

    code = "PEN"
    name_es = "sol peruano"
    name_en = "Peruvian Sol"
    symbol = "S/"
    minor_units = 2


class CountryFactory(DjangoModelFactory):
    class Meta:
        model = Country
        django_get_or_create = ["code"]

    code = "PE"
    alpha3 = factory.LazyAttribute(lambda country: country.code + "X")
    name_es = "Perú"
    name_en = "Peru"
    phone_prefix = "+51"
    currency = factory.SubFactory(CurrencyFactory)


def two_letter_code(n: int) -> str:
    return f"{chr(65 + n // 26 % 26)}{chr(65 + n % 26)}"


def make_countries(count: int) -> list[Country]:
    return [CountryFactory(code=two_letter_code(n), alpha3=f"{two_letter_code(n)}X") for n in range(count)]


class CityFactory(DjangoModelFactory):
    class Meta:
        model = City

    country = factory.SubFactory(CountryFactory)
    name = factory.Sequence(lambda n: f"Ciudad {n}")
    time_zone = "America/Lima"
    latitude = "-12.046374"
    longitude = "-77.042793"
    population = factory.Sequence(lambda n: 1_000_000 - n)


class AirportFactory(DjangoModelFactory):
    class Meta:
        model = Airport

    iata_code = factory.Sequence(lambda n: f"{chr(65 + n // 676 % 26)}{chr(65 + n // 26 % 26)}{chr(65 + n % 26)}")
    name = factory.Sequence(lambda n: f"Aeropuerto {n}")
    country = factory.SubFactory(CountryFactory)
    time_zone = "America/Lima"


class AirlineFactory(DjangoModelFactory):
    class Meta:
        model = Airline

    iata_code = factory.Sequence(two_letter_code)
    icao_code = factory.Sequence(lambda n: f"X{chr(65 + n // 26 % 26)}{chr(65 + n % 26)}")
    name = factory.Sequence(lambda n: f"Airline {n}")
    country = factory.SubFactory(CountryFactory)


def _ruc(first_ten_digits: str) -> str:
    return first_ten_digits + ruc.calc_check_digit(first_ten_digits)


class ClientFactory(DjangoModelFactory):
    class Meta:
        model = Client

    kind = Client.Kind.PERSON
    name = factory.Sequence(lambda n: f"Cliente Pérez {n}")
    document_type = Client.DocumentType.DNI
    # Numbers with valid check digits, as the API accepts them (core.party_details).
    document_number = factory.LazyAttributeSequence(
        lambda client, n: _ruc(f"20{n:08d}") if client.document_type == Client.DocumentType.RUC else f"{40000000 + n}"
    )
    email = factory.Sequence(lambda n: f"cliente{n}@example.com")
    address = "Av. Arequipa 123, Lima"


class SupplierFactory(DjangoModelFactory):
    class Meta:
        model = Supplier

    name = factory.Sequence(lambda n: f"Operador {n}")
    kind = Supplier.Kind.OPERATOR


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Tour {n}")
    kind = Product.Kind.TOUR
    supplier = factory.SubFactory(SupplierFactory)
    default_tax_rate = Decimal("18.00")


class InvoiceSeriesFactory(DjangoModelFactory):
    class Meta:
        model = InvoiceSeries
        django_get_or_create = ["code"]

    code = "F001"


class TicketDocumentFactory(DjangoModelFactory):
    class Meta:
        model = TicketDocument

    text = "TICKET"
    content_type = "text/plain"
    size = 6
    sha256 = factory.Sequence(lambda n: f"{n:064x}")


class ImportedTicketFactory(DjangoModelFactory):
    """A parsed ticket as the import leaves it (columns only; `parsed` is a stub)."""

    class Meta:
        model = ImportedTicket

    document = factory.SubFactory(TicketDocumentFactory)
    status = ImportedTicket.Status.PARSED
    ticket_number = factory.Sequence(lambda n: f"{7820000000000 + n}")
    pnr = factory.Sequence(lambda n: f"PNR{n:03d}"[:6])
    passenger_name = factory.Sequence(lambda n: f"PEREZ/JUAN {n}")
    airline_code = "9V"
    airline_name = "AVIOR AIRLINES C.A"
    issue_date = datetime.date(2025, 11, 6)
    currency_code = "USD"
    fare = Decimal("80.00")
    taxes_total = Decimal("20.00")
    total = Decimal("100.00")
    parsed = factory.LazyAttribute(lambda ticket: {"ticket_number": ticket.ticket_number, "pnr": ticket.pnr})


class TicketSegmentFactory(DjangoModelFactory):
    class Meta:
        model = TicketSegment

    ticket = factory.SubFactory(ImportedTicketFactory)
    position = factory.Sequence(lambda n: n)
    carrier = "9V"
    flight_number = "1234"
    origin = "CARACAS"
    destination = "MARACAIBO"
    departure_date = datetime.date(2025, 11, 7)
    departure_time = "06:30"
    arrival_time = "07:30"
    booking_class = "Y"
