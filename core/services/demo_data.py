"""Demo data for the embedded default: the demo users, a small demo agency
(clients, products, sales in every status, invoices with their PDFs, their
entries), and what each app registers with `demo_data_register` (the
rentals' demo listings, say). Idempotent: what exists is left as it is."""

from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core.models import Airline, Client, Country, Currency, InvoiceSeries, Product, Supplier, User
from core.services import invoicing, sales
from core.services.accounting import chart_of_accounts_load
from core.services.users import user_create

DEMO_PASSWORD = "travelhub-demo"
DEMO_USERS = [
    ("demo-staff", "staff@demo.example", User.Role.STAFF, "Ana", "Quispe"),
    ("demo-host", "host@demo.example", User.Role.HOST, "Luis", "Rojas"),
    ("demo-guest", "guest@demo.example", User.Role.GUEST, "Carmen", "Díaz"),
]
INVOICE_SERIES = "F001"
# Document numbers with valid check digits, as the API would accept them.
DEMO_COMPANY_RUC = "20601234565"

# name -> function making that app's demo data; returns a line saying what
# it made, or None when it was there already.
_demo_makers: dict[str, Callable[[], str | None]] = {}


def demo_data_register(name: str, make: Callable[[], str | None]) -> None:
    """Have `load_demo_data` make an app's demo data, after the users and the agency."""
    _demo_makers[name] = make


def demo_data_of_apps_create() -> list[str]:
    """Run every registered maker; the lines of those that made something."""
    made = [make() for make in _demo_makers.values()]
    return [line for line in made if line]


def demo_users_create() -> User:
    """Create the demo users; returns the staff one."""
    for username, email, role, first_name, last_name in DEMO_USERS:
        if User.objects.filter(username=username).exists():
            continue
        user = user_create(
            username=username,
            email=email,
            password=DEMO_PASSWORD,
            role=role,
            first_name=first_name,
            last_name=last_name,
        )
        if role == User.Role.STAFF:
            # The demo staff account may manage everything in the admin.
            user.is_superuser = True
            user.save(update_fields=["is_superuser"])
    return User.objects.get(username="demo-staff")


def demo_agency_create(*, staff: User) -> bool:
    """Create the demo agency unless it exists; returns whether it was created.
    Needs the catalogs (load_catalogs) for currencies and countries."""
    # The company's RUC; databases made before its check digit was right have 20601234567.
    if Client.objects.filter(document_number__in=[DEMO_COMPANY_RUC, "20601234567"]).exists():
        return False
    chart_of_accounts_load()
    InvoiceSeries.objects.get_or_create(code=INVOICE_SERIES, defaults={"description": "Facturas electrónicas"})
    pen = Currency.objects.get(code="PEN")
    usd = Currency.objects.get(code="USD")
    peru = Country.objects.filter(code="PE").first()

    with transaction.atomic():
        latam = Supplier.objects.create(
            name="LATAM Airlines Perú",
            kind=Supplier.Kind.AIRLINE,
            airline=Airline.objects.filter(iata_code="LA", active=True).first(),
            country=peru,
        )
        hotel = Supplier.objects.create(name="Hotel Monasterio Cusco", kind=Supplier.Kind.HOTEL, country=peru)
        operator = Supplier.objects.create(name="Inka Trails Operador", kind=Supplier.Kind.OPERATOR, country=peru)
        insurer = Supplier.objects.create(name="Rímac Seguros", kind=Supplier.Kind.INSURER, country=peru)
        # Sold on the airline's behalf: the fare is LATAM's, not the agency's revenue.
        ticket = _product("Boleto aéreo nacional", Product.Kind.AIR_TICKET, latam, "0", Product.SoldOn.THIRD_PARTY)
        night = _product("Noche de hotel", Product.Kind.HOTEL, hotel, "18")
        tour = _product("Tour Machu Picchu (día completo)", Product.Kind.TOUR, operator, "18")
        insurance = _product("Seguro de viaje", Product.Kind.INSURANCE, insurer, "0")
        fee = _product("Cargo por emisión", Product.Kind.FEE, None, "18")

        company = _client("Minera Andina S.A.C.", Client.Kind.COMPANY, Client.DocumentType.RUC, DEMO_COMPANY_RUC, peru)
        person = _client("José Ñáñez Quispe", Client.Kind.PERSON, Client.DocumentType.DNI, "45871236", peru)
        tourist = _client("Emily Carter", Client.Kind.PERSON, Client.DocumentType.PASSPORT, "X9922114", None, "en")
        family = _client("María Elena Gutiérrez", Client.Kind.PERSON, Client.DocumentType.DNI, "07418529", peru)

    def sale(client, currency, *items):
        return sales.sale_create(
            client=client,
            currency=currency,
            created_by=staff,
            items=[
                sales.ItemSpec(product=product, description=text, quantity=Decimal(qty), unit_price=Decimal(price))
                for product, text, qty, price in items
            ],
        )

    today = timezone.localdate()
    # A draft still being put together.
    sale(family, pen, (tour, "Tour Machu Picchu – 3 personas", "3", "420.00"))
    # Confirmed, half paid.
    confirmed = sale(person, pen, (ticket, "LIM–CUZ–LIM, 12–16 dic.", "1", "389.90"), (fee, "", "1", "35.00"))
    sales.sale_confirm(sale_id=confirmed.pk)
    sales.payment_record(sale_id=confirmed.pk, amount=Decimal("200.00"), method="transfer", paid_on=today)
    # Invoiced and fully paid, in dollars.
    paid = sale(
        tourist,
        usd,
        (night, "Hotel Monasterio, 3 noches", "3", "310.00"),
        (tour, "Tour Machu Picchu", "1", "150.00"),
        (insurance, "Seguro de viaje 7 días", "1", "28.50"),
    )
    sales.sale_confirm(sale_id=paid.pk)
    invoice = invoicing.invoice_issue(sale_id=paid.pk, series_code=INVOICE_SERIES)
    sales.payment_record(sale_id=paid.pk, amount=invoice.total, method="card", paid_on=today, reference="VISA 4242")
    # Invoiced, not yet paid.
    unpaid = sale(company, pen, (ticket, "Vuelos corporativos noviembre", "6", "612.40"), (fee, "", "6", "35.00"))
    sales.sale_confirm(sale_id=unpaid.pk)
    invoicing.invoice_issue(sale_id=unpaid.pk, series_code=INVOICE_SERIES)
    # Invoiced with a wrong client name, voided and left confirmed for re-issue.
    voided = sale(company, pen, (night, "Hotel para gerencia", "2", "280.00"))
    sales.sale_confirm(sale_id=voided.pk)
    wrong = invoicing.invoice_issue(sale_id=voided.pk, series_code=INVOICE_SERIES)
    invoicing.invoice_void(invoice_id=wrong.pk, reason="Razón social errada")
    # Cancelled before anything happened.
    cancelled = sale(person, pen, (insurance, "Seguro anual", "1", "120.00"))
    sales.sale_cancel(sale_id=cancelled.pk)
    return True


def _product(
    name: str, kind: str, supplier: Supplier | None, tax_rate: str, sold_on: str = Product.SoldOn.OWN_ACCOUNT
) -> Product:
    return Product.objects.create(
        name=name, kind=kind, supplier=supplier, default_tax_rate=Decimal(tax_rate), sold_on=sold_on
    )


def _client(name, kind, document_type, number, country, language="es") -> Client:
    return Client.objects.create(
        name=name,
        kind=kind,
        document_type=document_type,
        document_number=number,
        country=country,
        email=f"{number}@example.com",
        address="Av. José Larco 1232, Miraflores, Lima" if country else "",
        preferred_language=language,
    )
