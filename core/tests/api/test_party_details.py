"""Document numbers, phones and e-mails of clients and suppliers, checked
through the API, with messages naming the field and what is wrong, in
Spanish and English."""

from io import StringIO

import pytest
from django.core.management import call_command

from core.models import Client
from core.party_details import document_number_clean, email_clean, phone_clean
from core.tests.factories import ClientFactory, CountryFactory, CurrencyFactory, ImportedTicketFactory


def person(**fields) -> dict:
    return {"name": "Ana Quispe", "kind": "person", "document_type": "dni", "document_number": "45871236", **fields}


def create(staff_client, body: dict, language: str = "es"):
    return staff_client.post("/api/clientes/", body, format="json", HTTP_ACCEPT_LANGUAGE=language)


@pytest.fixture
def countries(db):
    return {code: CountryFactory(code=code, alpha3=f"{code}X") for code in ("PE", "CO", "ES", "US")}


@pytest.mark.parametrize(
    ("fields", "stored"),
    [
        ({"document_number": "45871236"}, "45871236"),
        # With the card's check digit (or letter), spaces or dashes: the eight digits are the DNI.
        ({"document_number": "45871236-6"}, "45871236"),
        ({"document_number": "45871236 K"}, "45871236"),
        ({"document_type": "ruc", "kind": "company", "document_number": "20100070970"}, "20100070970"),
        ({"document_type": "ruc", "document_number": "20-60123456-5"}, "20601234565"),
        ({"document_type": "passport", "document_number": "x9922114"}, "X9922114"),
        ({"document_type": "ce", "document_number": "001234567"}, "001234567"),
        # A Colombian NIT and a Spanish NIF, by their countries' rules.
        ({"document_type": "tax_id", "country": "CO", "document_number": "900.373.913-4"}, "9003739134"),
        ({"document_type": "national_id", "country": "ES", "document_number": "12345678Z"}, "12345678Z"),
        # No rules known for the country: as typed, without spaces.
        ({"document_type": "national_id", "country": "US", "document_number": "A 1234"}, "A1234"),
    ],
)
def test_valid_document_numbers_are_stored_in_one_form(staff_client, countries, fields, stored):
    response = create(staff_client, person(**fields))

    assert response.status_code == 201, response.json()
    assert response.json()["document_number"] == stored


@pytest.mark.parametrize(
    ("fields", "spanish", "english"),
    [
        (
            {"document_number": "4587123"},
            "El DNI tiene 8 dígitos (o 9 con su dígito de verificación); «4587123» tiene 7.",
            "A DNI has 8 digits (or 9 with its check digit); «4587123» has 7.",
        ),
        (
            {"document_number": "4587123A"},
            "El DNI lleva solo dígitos; «4587123A» tiene otros caracteres.",
            "A DNI has digits only; «4587123A» has other characters.",
        ),
        (
            {"document_number": "458712361"},
            "El dígito de verificación del DNI «458712361» no corresponde a sus 8 dígitos (sería 6 o K).",
            "The check digit of DNI «458712361» does not match its 8 digits (it would be 6 or K).",
        ),
        (
            {"document_type": "ruc", "document_number": "20601234567"},
            "El último dígito del RUC «20601234567» no es su dígito verificador: revise el número.",
            "The last digit of RUC «20601234567» is not its check digit: please check the number.",
        ),
        (
            {"document_type": "ruc", "document_number": "2060123456"},
            "El RUC tiene 11 dígitos; «2060123456» tiene 10.",
            "A RUC has 11 digits; «2060123456» has 10.",
        ),
        (
            {"document_type": "ruc", "document_number": "30601234565"},
            "El RUC «30601234565» no empieza con 10 (persona), 15, 17 o 20 (empresa).",
            "RUC «30601234565» does not start with 10 (person), 15, 17 or 20 (company).",
        ),
        (
            {"document_type": "passport", "document_number": "X99/22"},
            "El número de pasaporte «X99/22» lleva de 5 a 20 letras o dígitos, sin signos.",
            "Passport number «X99/22» has 5 to 20 letters or digits, without symbols.",
        ),
        (
            {"document_type": "tax_id", "country": "CO", "document_number": "900373913-5"},
            "La identificación tributaria «900373913-5» no es válida en CO: su dígito verificador no corresponde.",
            "Tax ID «900373913-5» is not valid in CO: its check digit does not match.",
        ),
    ],
)
@pytest.mark.parametrize("language", ["es", "en"])
def test_a_wrong_document_number_says_what_is_wrong(staff_client, countries, fields, spanish, english, language):
    response = create(staff_client, person(**fields), language)

    assert response.status_code == 400
    message = spanish if language == "es" else english
    assert response.json()["errors"] == {"document_number": [message]}
    assert response.json()["detail"] == f"document_number: {message}"
    assert not Client.objects.exists()


@pytest.mark.parametrize(
    ("fields", "stored"),
    [
        ({"phone": "987 654 321"}, "+51987654321"),
        ({"phone": "(01) 411-2233"}, "+5114112233"),
        ({"phone": "+34 612 34 56 78"}, "+34612345678"),
        # Without a prefix, a number of the client's country.
        ({"phone": "310 555 1234", "country": "CO"}, "+573105551234"),
        ({"phone": ""}, ""),
    ],
)
def test_valid_phones_are_stored_in_international_form(staff_client, countries, fields, stored):
    response = create(staff_client, person(**fields))

    assert response.status_code == 201, response.json()
    assert response.json()["phone"] == stored


@pytest.mark.parametrize(
    ("phone", "spanish", "english"),
    [
        (
            "98765",
            "El teléfono «98765» tiene muy pocos dígitos para PE.",
            "Phone «98765» has too few digits for PE.",
        ),
        (
            "+51 987 654 321 999",
            "El teléfono «+51 987 654 321 999» tiene demasiados dígitos para PE.",
            "Phone «+51 987 654 321 999» has too many digits for PE.",
        ),
        (
            "+999 1234 5678",
            "El teléfono «+999 1234 5678» tiene un prefijo de país que no existe.",
            "Phone «+999 1234 5678» has a country prefix that does not exist.",
        ),
        (
            "llámame",
            "El teléfono «llámame» no es un número de teléfono.",
            "Phone «llámame» is not a phone number.",
        ),
    ],
)
@pytest.mark.parametrize("language", ["es", "en"])
def test_a_wrong_phone_says_what_is_wrong(staff_client, countries, phone, spanish, english, language):
    response = create(staff_client, person(phone=phone), language)

    assert response.status_code == 400
    assert response.json()["errors"] == {"phone": [spanish if language == "es" else english]}


@pytest.mark.parametrize(
    ("email", "spanish", "english"),
    [
        (
            "ana.quispe.example.com",
            "Al correo electrónico «ana.quispe.example.com» le falta la @ (nombre@dominio.com).",
            "E-mail «ana.quispe.example.com» lacks the @ (name@domain.com).",
        ),
        (
            "@example.com",
            "Al correo electrónico «@example.com» le falta el nombre antes de la @.",
            "E-mail «@example.com» lacks the name before the @.",
        ),
        (
            "ana@gmail",
            "El dominio del correo electrónico «ana@gmail» está incompleto (como dominio.com).",
            "The domain of e-mail «ana@gmail» is incomplete (like domain.com).",
        ),
        (
            "ana quispe@example.com",
            "El correo electrónico «ana quispe@example.com» tiene espacios.",
            "E-mail «ana quispe@example.com» contains spaces.",
        ),
        (
            "ana@exa_mple.com",
            "El correo electrónico «ana@exa_mple.com» no es una dirección válida (nombre@dominio.com).",
            "E-mail «ana@exa_mple.com» is not a valid address (name@domain.com).",
        ),
    ],
)
@pytest.mark.parametrize("language", ["es", "en"])
def test_a_wrong_email_says_what_is_wrong(staff_client, countries, email, spanish, english, language):
    response = create(staff_client, person(email=email), language)

    assert response.status_code == 400
    assert response.json()["errors"] == {"email": [spanish if language == "es" else english]}


def test_every_wrong_field_is_reported_at_once(staff_client, countries):
    response = create(staff_client, person(document_number="1", phone="1", email="x"))

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"document_number", "phone", "email"}


def test_an_email_keeps_its_name_and_lowers_its_domain(staff_client, countries):
    response = create(staff_client, person(email=" Ana.Quispe@Example.COM "))

    assert response.json()["email"] == "Ana.Quispe@example.com"


def test_one_dni_typed_two_ways_is_one_client(staff_client, countries):
    assert create(staff_client, person(document_number="45871236")).status_code == 201

    duplicate = create(staff_client, person(document_number="4587 1236-6"))

    assert duplicate.status_code == 400
    assert Client.objects.count() == 1


def test_changing_the_document_type_checks_the_stored_number_again(staff_client, countries):
    client = ClientFactory(document_type="dni", document_number="45871236")

    response = staff_client.patch(f"/api/clientes/{client.pk}/", {"document_type": "ruc"}, format="json")

    assert response.status_code == 400
    assert "RUC" in response.json()["errors"]["document_number"][0]
    client.refresh_from_db()
    assert client.document_type == "dni"


def test_a_patch_of_the_name_alone_does_not_check_the_number(staff_client, countries):
    # Stored before the numbers were checked.
    client = ClientFactory(document_type="ruc", document_number="20601234567")

    response = staff_client.patch(f"/api/clientes/{client.pk}/", {"name": "Minera Andina"}, format="json")

    assert response.status_code == 200


def test_a_peruvian_suppliers_tax_id_is_a_ruc(staff_client, countries):
    body = {"name": "Inka Trails", "kind": "operator", "country": "PE", "phone": "01 411 2233"}

    wrong = staff_client.post("/api/proveedores/", {**body, "tax_id": "20601234567"}, format="json")
    right = staff_client.post("/api/proveedores/", {**body, "tax_id": "20601234565"}, format="json")

    assert wrong.status_code == 400
    assert list(wrong.json()["errors"]) == ["tax_id"]
    assert right.status_code == 201
    assert right.json()["phone"] == "+5114112233"


@pytest.mark.django_db
def test_the_demo_agencys_clients_pass_the_checks(settings, countries):
    settings.DEBUG = True
    CurrencyFactory(code="PEN")
    CurrencyFactory(code="USD")
    call_command("load_demo_data", stdout=StringIO())

    clients = list(Client.objects.select_related("country"))

    assert len(clients) == 4
    for client in clients:
        country = client.country.code if client.country else None
        assert document_number_clean(client.document_type, client.document_number, country=country) == (
            client.document_number
        )
        assert email_clean(client.email) == client.email
        assert phone_clean(client.phone, country=country) == client.phone


@pytest.mark.django_db
def test_the_factories_make_valid_numbers():
    for client in [*ClientFactory.create_batch(3), ClientFactory(document_type="ruc")]:
        assert document_number_clean(client.document_type, client.document_number) == client.document_number


@pytest.mark.parametrize(
    ("language", "message"),
    [
        (
            "es",
            "passenger_document: El documento del pasajero lleva de 4 a 20 letras o dígitos, sin signos ni el "
            "prefijo de su tipo (PP, NI…).",
        ),
        (
            "en",
            "passenger_document: A passenger's document has 4 to 20 letters or digits, without symbols or its "
            "type prefix (PP, NI…).",
        ),
    ],
)
def test_a_passengers_document_is_letters_and_digits(staff_client, language, message):
    ticket = ImportedTicketFactory()
    url = f"/api/boletos-importados/{ticket.pk}/"

    wrong = staff_client.patch(
        url, {"corrections": {"passenger_document": "PP/AB.123"}}, format="json", HTTP_ACCEPT_LANGUAGE=language
    )
    right = staff_client.patch(url, {"corrections": {"passenger_document": "ab 123456"}}, format="json")

    assert wrong.status_code == 400
    assert wrong.json()["errors"] == {"corrections.passenger_document": [message]}
    assert right.status_code == 200, right.json()
    ticket.refresh_from_db()
    assert ticket.corrections == {"passenger_document": "AB123456"}
