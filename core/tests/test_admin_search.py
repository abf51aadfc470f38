"""The admin's search ignores accents and case on both databases: staff type
"nanez" or "ñáñez" and find "Ñáñez"."""

import pytest

from core.models import Client
from core.tests.factories import CityFactory, ClientFactory, ImportedTicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clients():
    return {
        "nanez": ClientFactory(name="Agencia Ñáñez S.A.C."),
        "muller": ClientFactory(name="José MÜLLER"),
        "other": ClientFactory(name="Nunez Tours"),
    }


@pytest.mark.parametrize(
    ("term", "found"),
    [
        ("ñáñez", ["nanez"]),
        ("nanez", ["nanez"]),
        ("ÑAÑEZ", ["nanez"]),
        ("agencia ñanez", ["nanez"]),
        ("muller", ["muller"]),
        ("jose müller", ["muller"]),
        ("%", []),
        ("_", []),
    ],
)
def test_the_lookup_ignores_accents_and_case(clients, term, found):
    matches = Client.objects.filter(name__unaccent_icontains=term)

    assert sorted(matches) == sorted(clients[name] for name in found)


@pytest.mark.parametrize("term", ["ñáñez", "nanez", "NÁÑEZ"])
def test_the_clients_changelist_finds_accented_names(admin_client, clients, term):
    response = admin_client.get("/admin/core/client/", {"q": term})

    assert list(response.context["cl"].result_list) == [clients["nanez"]]


def test_the_sales_client_autocomplete_finds_accented_names(admin_client, clients):
    response = admin_client.get(
        "/admin/autocomplete/",
        {"term": "nanez", "app_label": "core", "model_name": "sale", "field_name": "client"},
    )

    assert [row["id"] for row in response.json()["results"]] == [str(clients["nanez"].pk)]


def test_tickets_are_found_by_the_passengers_name_without_its_accents(admin_client):
    ticket = ImportedTicketFactory(passenger_name="IBÁÑEZ/MARÍA")
    ImportedTicketFactory(passenger_name="PEREZ/JUAN")

    response = admin_client.get("/admin/core/importedticket/", {"q": "ibanez maria"})

    assert list(response.context["cl"].result_list) == [ticket]


def test_city_autocompletes_find_cities_without_their_accents(admin_client):
    bogota = CityFactory(name="Bogotá")
    CityFactory(name="Bogor")

    response = admin_client.get(
        "/admin/autocomplete/",
        {"term": "bogota", "app_label": "core", "model_name": "airport", "field_name": "city"},
    )

    assert [row["id"] for row in response.json()["results"]] == [str(bogota.pk)]
