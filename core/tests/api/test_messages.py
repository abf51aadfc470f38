"""Refusals say which field is wrong and what it expects, in the caller's
language, in whole sentences: not DRF's "Objeto con code=Peru no existe." or
"deben formar un conjunto único", nor "(esta está borrador)"."""

from decimal import Decimal

import pytest

from core.models import Client, Sale
from core.services import sales
from core.tests.factories import ClientFactory, CountryFactory, CurrencyFactory, InvoiceSeriesFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pen(db):
    return CurrencyFactory(code="PEN", minor_units=2)


def errors(response) -> dict:
    assert response.status_code == 400, response.content
    return response.json()["errors"]


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("es", "No existe un país con el código «Peru»; indique el código ISO 3166 de dos letras (p. ej. PE)."),
        ("en", "There is no country with the code “Peru”; give its two-letter ISO 3166 code (e.g. PE)."),
    ],
)
def test_an_unknown_country_code_says_what_a_country_code_is(staff_client, language, message):
    CountryFactory(code="PE", name_es="Perú", name_en="Peru")

    response = staff_client.post(
        "/api/clientes/",
        {"kind": "person", "name": "Ana", "document_type": "dni", "document_number": "45871236", "country": "Peru"},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert errors(response)["country"] == [message]


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("es", "Ya hay un cliente con el documento DNI 45871236; búsquelo en lugar de crearlo."),
        ("en", "There is already a client with the document DNI 45871236; look it up instead of creating it."),
    ],
)
def test_a_client_with_a_taken_document_is_refused_naming_the_document(staff_client, language, message):
    ClientFactory(document_type=Client.DocumentType.DNI, document_number="45871236")

    response = staff_client.post(
        "/api/clientes/",
        {"kind": "person", "name": "Otra Ana", "document_type": "dni", "document_number": "45871236"},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert errors(response) == {"document_number": [message]}
    assert Client.objects.count() == 1


def test_editing_a_client_keeps_its_own_document(staff_client):
    client = ClientFactory(document_type=Client.DocumentType.DNI, document_number="45871236")

    response = staff_client.patch(f"/api/clientes/{client.pk}/", {"name": "Ana María"}, format="json")

    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    ("language", "client_message", "currency_message"),
    [
        (
            "es",
            "No existe un cliente con el id 999999.",
            "No existe la moneda «SOL» o no está activa; indique un código ISO 4217 de tres letras (p. ej. PEN).",
        ),
        (
            "en",
            "There is no client with the id 999999.",
            "There is no currency “SOL”, or it is not active; give a three-letter ISO 4217 code (e.g. PEN).",
        ),
    ],
)
def test_a_sale_for_an_unknown_client_and_currency_names_both(
    staff_client, pen, language, client_message, currency_message
):
    response = staff_client.post(
        "/api/ventas/", {"client": 999999, "currency": "SOL"}, format="json", HTTP_ACCEPT_LANGUAGE=language
    )

    assert errors(response) == {"client": [client_message], "currency": [currency_message]}


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("es", "Solo se factura una venta confirmada; esta venta está en estado «borrador»."),
        ("en", "Only a confirmed sale can be invoiced; this sale’s status is “draft”."),
    ],
)
def test_invoicing_a_draft_says_the_sales_status_in_a_sentence(staff_client, pen, language, message):
    InvoiceSeriesFactory(code="F001")
    sale = sales.sale_create(
        client=ClientFactory(),
        currency=pen,
        items=[
            sales.ItemSpec(product=ProductFactory(), description="Tour", quantity=Decimal(1), unit_price=Decimal(1))
        ],
    )
    assert sale.status == Sale.Status.DRAFT

    response = staff_client.post(
        "/api/facturas/", {"sale": sale.pk, "series": "F001"}, format="json", HTTP_ACCEPT_LANGUAGE=language
    )

    assert response.status_code == 409
    assert response.json()["detail"] == message
