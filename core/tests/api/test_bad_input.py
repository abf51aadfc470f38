"""Junk sent to any route is a 4xx with a JSON body, never a 500."""

import pytest

from core.models import Client

pytestmark = pytest.mark.django_db

ROUTES = [
    "/api/paises/",
    "/api/ciudades/",
    "/api/monedas/",
    "/api/aerolineas/",
    "/api/aeropuertos/",
    "/api/clientes/",
    "/api/proveedores/",
    "/api/productos/",
    "/api/ventas/",
    "/api/facturas/",
    "/api/cuentas-contables/",
    "/api/asientos-contables/",
    "/api/boletos-importados/",
    "/api/webhooks/",
    "/api/auth/token/",
]
JUNK_BODIES = [
    {"items": [{"product": "x", "unit_price": "NaN"}], "client": [], "currency": {"a": 1}},
    {"lines": "nope", "date": "31/31/2026", "amount": "1e999"},
    {"url": "ftp://[::1", "event_types": ["nope"], "text": ""},
    [1, 2, 3],
    "just a string",
]
JUNK_QUERIES = [
    "?page=-1",
    "?page_size=abc",
    "?status=%00",
    "?date_from=2026-02-30&date_to=x",
    "?client=1e5&currency=%F0%9F%92%A5",
    "?search=" + "a" * 2000,
]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("body", JUNK_BODIES)
def test_junk_bodies_are_client_errors(staff_client, route, body):
    response = staff_client.post(route, body, format="json")

    assert 400 <= response.status_code < 500, (route, response.status_code)
    assert response.json()["detail"]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("query", JUNK_QUERIES)
def test_junk_queries_never_reach_a_500(staff_client, route, query):
    response = staff_client.get(route + query)

    assert response.status_code < 500, (route, query, response.status_code)


@pytest.mark.parametrize("route", ROUTES)
def test_malformed_json_is_a_400(staff_client, route):
    response = staff_client.generic("POST", route, b"{not json", content_type="application/json")

    assert response.status_code in (400, 405, 415)
    assert response.json()["detail"]


CONTROL_CHARACTER_URLS = [
    "/api/paises/%00/",
    "/api/monedas/%00/",
    "/api/aerolineas/%1E/",
    "/api/aeropuertos/%00/",
    "/api/ciudades/?search=%00",
    "/api/ciudades/?country=P%00E",
    "/api/paises/?search=%7F",
    "/api/ventas/?currency=%00",
    "/api/listings/search/?city=%00",
    "/api/listings/?%00=1",
]


@pytest.mark.parametrize("url", CONTROL_CHARACTER_URLS)
def test_a_control_character_in_a_path_or_query_is_a_400_saying_so(staff_client, url):
    response = staff_client.get(url)

    assert response.status_code == 400, (url, response.status_code)
    assert response.json()["code"] == "control_characters"
    assert "NUL" in response.json()["detail"]


def test_a_control_character_is_refused_in_the_callers_language(api_client):
    response = api_client.get("/api/paises/%00/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("The address or its parameters")


def test_control_characters_are_refused_before_the_catalog_cache_answers(api_client):
    assert api_client.get("/api/paises/").status_code == 200
    assert api_client.get("/api/paises/?search=%00").status_code == 400


DEEP_JSON_ROUTES = ["/api/clientes/", "/api/ventas/", "/api/boletos-importados/", "/api/listings/", "/api/bookings/"]


@pytest.mark.parametrize("route", DEEP_JSON_ROUTES)
@pytest.mark.parametrize("body", [b"[" * 100_000, b"[" * 500 + b"]" * 500, b'{"a":' * 100 + b"1" + b"}" * 100])
def test_json_nested_too_deep_is_a_400(staff_client, route, body):
    response = staff_client.generic("POST", route, body, content_type="application/json")

    assert response.status_code == 400, (route, response.status_code)
    assert response.json()["code"] == "parse_error"
    assert "32" in response.json()["detail"]


@pytest.mark.parametrize("body", [{"name": "Ana\u0000"}, {"name\u0000": "Ana"}, [{"items": ["\u0000"]}]])
def test_a_nul_in_a_json_body_is_a_400_and_writes_nothing(staff_client, body):
    response = staff_client.post("/api/clientes/", body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert not Client.objects.exists()
