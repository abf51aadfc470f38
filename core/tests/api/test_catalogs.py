import time

import pytest
from django.core.cache import cache
from django.test import override_settings
from django_redis import get_redis_connection

from core.cache import cache_lookups
from core.models import City, Country
from core.tests.factories import (
    AirlineFactory,
    AirportFactory,
    CityFactory,
    CountryFactory,
    CurrencyFactory,
    make_countries,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def peru():
    return CountryFactory(code="PE", name_es="Perú", name_en="Peru")


@pytest.fixture
def spain():
    euro = CurrencyFactory(code="EUR", name_es="euro", name_en="Euro", symbol="€")
    return CountryFactory(code="ES", alpha3="ESP", name_es="España", name_en="Spain", currency=euro)


# --- content and language ---------------------------------------------------


def test_countries_are_listed_whole_with_spanish_names_by_default(api_client, peru, spain):
    response = api_client.get("/api/paises/")

    assert response.status_code == 200
    by_code = {country["code"]: country for country in response.json()}
    assert by_code["PE"]["name"] == "Perú"
    assert by_code["ES"]["name"] == "España"
    assert by_code["ES"]["currency"] == "EUR"


def test_accept_language_en_gives_english_names(api_client, peru, spain):
    response = api_client.get("/api/paises/", HTTP_ACCEPT_LANGUAGE="en")

    names = {country["code"]: country["name"] for country in response.json()}
    assert names == {"PE": "Peru", "ES": "Spain"}
    assert response["Content-Language"] == "en"


def test_spanish_and_english_responses_are_cached_apart(api_client, peru):
    assert api_client.get("/api/paises/", HTTP_ACCEPT_LANGUAGE="es").json()[0]["name"] == "Perú"
    assert api_client.get("/api/paises/", HTTP_ACCEPT_LANGUAGE="en").json()[0]["name"] == "Peru"
    assert api_client.get("/api/paises/", HTTP_ACCEPT_LANGUAGE="es").json()[0]["name"] == "Perú"


def test_country_detail_by_code_in_any_case(api_client, peru):
    response = api_client.get("/api/paises/pe/")

    assert response.status_code == 200
    assert response.json()["code"] == "PE"
    assert response.json()["phone_prefix"] == "+51"


def test_currency_list_and_detail(api_client, peru, spain):
    assert [currency["code"] for currency in api_client.get("/api/monedas/").json()] == ["EUR", "PEN"]
    detail = api_client.get("/api/monedas/EUR/").json()
    assert detail["symbol"] == "€"
    assert detail["minor_units"] == 2


def test_cities_filter_by_country(api_client, peru, spain):
    CityFactory(name="Lima", country=peru)
    CityFactory(name="Madrid", country=spain)

    response = api_client.get("/api/ciudades/?country=es")

    assert [city["name"] for city in response.json()["results"]] == ["Madrid"]
    assert response.json()["results"][0]["country"] == "ES"


def test_city_search_is_a_prefix_search_ignoring_accents_and_case(api_client, spain):
    CityFactory(name="Málaga", country=spain)
    CityFactory(name="Madrid", country=spain)
    CityFactory(name="Almería", country=spain)

    for term in ("mala", "MÁLA", "  Mal a"[:5].strip()):
        names = [city["name"] for city in api_client.get(f"/api/ciudades/?search={term}").json()["results"]]
        assert names == ["Málaga"], term
    names = [city["name"] for city in api_client.get("/api/ciudades/?search=ma").json()["results"]]
    assert sorted(names) == ["Madrid", "Málaga"]


def test_country_search_by_name_in_either_language_or_code_ignoring_accents_and_case(api_client, peru, spain):
    CountryFactory(code="US", alpha3="USA", name_es="Estados Unidos", name_en="United States")
    CountryFactory(code="GB", alpha3="GBR", name_es="Reino Unido", name_en="United Kingdom")

    def codes(term, language="es"):
        response = api_client.get(f"/api/paises/?search={term}", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        return sorted(country["code"] for country in response.json())

    assert codes("peru") == codes("PERÚ") == codes("pe") == codes("per") == ["PE"]
    assert codes("espa") == codes("spain", "en") == codes("esp") == ["ES"]
    assert codes("unido") == ["GB", "US"]
    assert codes("kingdom") == ["GB"]
    assert codes("zz") == []
    assert len(codes("")) == 4


def test_country_searches_are_cached_apart(api_client, peru, spain):
    assert [country["code"] for country in api_client.get("/api/paises/?search=peru").json()] == ["PE"]
    assert [country["code"] for country in api_client.get("/api/paises/?search=spain").json()] == ["ES"]
    assert len(api_client.get("/api/paises/").json()) == 2


def test_cities_are_paginated_biggest_first(api_client, peru):
    CityFactory.create_batch(60, country=peru)

    first = api_client.get("/api/ciudades/").json()
    second = api_client.get(first["next"]).json()

    assert first["count"] == 60
    assert len(first["results"]) == 50
    assert len(second["results"]) == 10
    populations = [city["population"] for city in first["results"] + second["results"]]
    assert populations == sorted(populations, reverse=True)


def test_airports_by_iata_code_and_search(api_client, peru):
    AirportFactory(iata_code="LIM", name="Aeropuerto Internacional Jorge Chávez", country=peru)
    AirportFactory(iata_code="CUZ", name="Aeropuerto Alejandro Velasco Astete", country=peru)

    assert api_client.get("/api/aeropuertos/lim/").json()["name"] == "Aeropuerto Internacional Jorge Chávez"
    found = api_client.get("/api/aeropuertos/?search=cuz").json()["results"]
    assert [airport["iata_code"] for airport in found] == ["CUZ"]


def test_airlines_list_only_active_ones_and_detail_by_iata(api_client, peru):
    AirlineFactory(iata_code="LA", name="LATAM Airlines", country=peru)
    AirlineFactory(iata_code="LA", name="Old Carrier", active=False)

    listed = api_client.get("/api/aerolineas/?search=la").json()["results"]
    assert [airline["name"] for airline in listed] == ["LATAM Airlines"]
    assert api_client.get("/api/aerolineas/LA/").json()["name"] == "LATAM Airlines"


# --- bad input ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/ciudades/?page=abc", 404),
        ("/api/ciudades/?page=99", 404),
        ("/api/ciudades/?country=ZZ", 400),
        ("/api/ciudades/?country=peru", 400),
        ("/api/ciudades/abc/", 404),
        ("/api/ciudades/999999/", 404),
        ("/api/paises/XX/", 404),
        ("/api/aeropuertos/?country=1", 400),
        ("/api/no-such-route/", 404),
    ],
)
def test_bad_query_parameters_get_json_errors(api_client, peru, url, status):
    CityFactory(country=peru)

    response = api_client.get(url)

    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["detail"]
    assert body["code"]


def test_unknown_country_names_the_parameter(api_client, peru):
    body = api_client.get("/api/ciudades/?country=ZZ").json()

    assert body["code"] == "unknown_country"
    assert "country" in body["errors"]


# --- HTTP caching ------------------------------------------------------------


def test_etag_and_conditional_get_answer_304_without_queries(api_client, peru, django_assert_num_queries):
    first = api_client.get("/api/paises/")
    etag = first["ETag"]

    with django_assert_num_queries(0):
        again = api_client.get("/api/paises/", HTTP_IF_NONE_MATCH=etag)

    assert again.status_code == 304
    assert again["ETag"] == etag
    assert again.content == b""


@pytest.mark.django_db(transaction=True)
def test_etag_changes_when_the_data_changes(api_client, staff_client, peru):
    before = api_client.get("/api/paises/")["ETag"]

    staff_client.patch("/api/paises/PE/", {"name_es": "República del Perú"}, format="json")

    response = api_client.get("/api/paises/", HTTP_IF_NONE_MATCH=before)
    assert response.status_code == 200
    assert response["ETag"] != before


@pytest.mark.parametrize(
    ("url", "cache_control"),
    [
        ("/api/paises/", "public, max-age=3600"),
        ("/api/monedas/", "public, max-age=3600"),
        ("/api/ciudades/", "public, max-age=1800"),
        ("/api/aeropuertos/", "public, max-age=3600"),
        ("/api/aerolineas/", "public, max-age=3600"),
    ],
)
def test_catalogs_carry_cache_control_from_the_route_table(api_client, peru, url, cache_control):
    response = api_client.get(url)

    assert response["Cache-Control"] == cache_control
    assert "Accept-Language" in response["Vary"]


def test_errors_are_not_publicly_cacheable(api_client):
    response = api_client.get("/api/ciudades/?country=ZZ")

    assert "public" not in response.get("Cache-Control", "")


# --- query budgets -------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "make_rows"),
    [
        ("/api/paises/", lambda: make_countries(60)),
        ("/api/monedas/", lambda: [CurrencyFactory(code=f"X{chr(65 + n // 26)}{chr(65 + n % 26)}") for n in range(60)]),
        ("/api/ciudades/", lambda: CityFactory.create_batch(60)),
        ("/api/ciudades/?search=ciudad&country=PE", lambda: CityFactory.create_batch(60)),
        ("/api/aeropuertos/", lambda: AirportFactory.create_batch(60)),
        ("/api/aerolineas/", lambda: AirlineFactory.create_batch(60)),
    ],
)
def test_catalog_lists_take_at_most_two_queries_on_a_miss_and_none_on_a_hit(
    api_client, url, make_rows, django_assert_max_num_queries, django_assert_num_queries
):
    make_rows()

    with django_assert_max_num_queries(2):
        miss = api_client.get(url)
    with django_assert_num_queries(0):
        hit = api_client.get(url)

    assert miss.status_code == 200
    rows = miss.json()["results"] if isinstance(miss.json(), dict) else miss.json()
    assert len(rows) >= 50
    assert hit.content == miss.content


# --- invalidation on writes --------------------------------------------------------
# Invalidation happens on commit, so these tests commit for real.


@pytest.mark.django_db(transaction=True)
def test_api_write_is_visible_on_the_next_read(api_client, staff_client, peru):
    api_client.get("/api/paises/")
    api_client.get("/api/paises/PE/")

    response = staff_client.patch("/api/paises/PE/", {"name_es": "República del Perú"}, format="json")

    assert response.status_code == 200
    assert api_client.get("/api/paises/").json()[0]["name"] == "República del Perú"
    assert api_client.get("/api/paises/PE/").json()["name"] == "República del Perú"


@pytest.mark.django_db(transaction=True)
def test_currency_change_reaches_the_countries_that_embed_it(api_client, staff_client, peru):
    CurrencyFactory(code="USD", name_es="dólar estadounidense", name_en="US Dollar")
    api_client.get("/api/paises/")

    staff_client.patch("/api/paises/PE/", {"currency": "USD"}, format="json")

    assert api_client.get("/api/paises/").json()[0]["currency"] == "USD"


@pytest.mark.django_db(transaction=True)
def test_city_create_and_delete_are_visible_at_once(api_client, staff_client, peru):
    assert api_client.get("/api/ciudades/?search=cusco").json()["count"] == 0

    created = staff_client.post(
        "/api/ciudades/",
        {"name": "Cusco", "country": "PE", "time_zone": "America/Lima", "latitude": "-13.5", "longitude": "-71.9"},
        format="json",
    )
    assert created.status_code == 201
    assert api_client.get("/api/ciudades/?search=cusco").json()["count"] == 1

    assert staff_client.delete(f"/api/ciudades/{created.json()['id']}/").status_code == 204
    assert api_client.get("/api/ciudades/?search=cusco").json()["count"] == 0


@pytest.mark.django_db(transaction=True)
def test_admin_write_is_visible_on_the_next_read(client, api_client, peru):
    from core.tests.factories import UserFactory

    admin_user = UserFactory(role="staff", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    api_client.get("/api/paises/")

    response = client.post(
        f"/admin/core/country/{peru.pk}/change/",
        {
            "code": "PE",
            "alpha3": peru.alpha3,
            "numeric_code": "604",
            "name_es": "Perú (admin)",
            "name_en": "Peru",
            "phone_prefix": "+51",
            "currency": peru.currency_id,
        },
    )

    assert response.status_code == 302
    assert api_client.get("/api/paises/").json()[0]["name"] == "Perú (admin)"


@pytest.mark.django_db(transaction=True)
def test_write_rolled_back_leaves_the_cache_valid(api_client, peru):
    from django.db import transaction

    from core.services.catalogs import catalog_record_save

    api_client.get("/api/paises/")

    def save_then_fail():
        Country.objects.filter(code="PE").update(name_es="nunca")
        raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError), transaction.atomic():
        catalog_record_save(save=save_then_fail, model=Country)

    assert api_client.get("/api/paises/").json()[0]["name"] == "Perú"


def test_deleting_a_country_in_use_is_a_409_and_changes_nothing(staff_client, peru):
    CityFactory(country=peru)

    response = staff_client.delete("/api/paises/PE/")

    assert response.status_code == 409
    assert response.json()["code"] == "protected"
    assert Country.objects.filter(code="PE").exists()


# --- permissions --------------------------------------------------------------------


def test_anonymous_users_cannot_write(api_client, peru):
    response = api_client.patch("/api/paises/PE/", {"name_es": "x"}, format="json")

    assert response.status_code in (401, 403)
    assert response.json()["code"] in ("not_authenticated", "permission_denied")
    assert Country.objects.get(code="PE").name_es == "Perú"


def test_guests_cannot_write(guest_client, peru):
    response = guest_client.post("/api/ciudades/", {"name": "X", "country": "PE"}, format="json")

    assert response.status_code == 403
    assert not City.objects.filter(name="X").exists()


def test_invalid_write_names_the_fields(staff_client, peru):
    response = staff_client.post("/api/ciudades/", {"name": "", "country": "ZZ"}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["errors"]) >= {"name", "country", "time_zone"}


def test_duplicate_active_airline_code_is_refused(staff_client, peru):
    AirlineFactory(iata_code="LA", name="LATAM Airlines")

    response = staff_client.post("/api/aerolineas/", {"iata_code": "LA", "name": "Copy", "active": True}, format="json")

    assert response.status_code == 400
    assert "iata_code" in response.json()["errors"] or response.json()["errors"].get("non_field_errors")


# --- cache failure ----------------------------------------------------------------


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        }
    },
    CACHE_LOCAL_TIER=False,
)
def test_catalogs_are_served_from_the_database_when_redis_is_down(api_client, peru, caplog):
    response = api_client.get("/api/paises/")

    assert response.status_code == 200
    assert response.json()[0]["name"] == "Perú"
    assert "shared cache unavailable" in caplog.text

    # The next requests do not wait for Redis again.
    started = time.monotonic()
    for _ in range(5):
        assert api_client.get("/api/paises/").status_code == 200
    assert time.monotonic() - started < 0.2 * 5
    assert caplog.text.count("shared cache unavailable") == 1


def test_catalogs_work_with_the_cache_disabled(api_client, peru, settings, django_assert_num_queries):
    settings.CACHE_ENABLED = False

    with django_assert_num_queries(1):
        response = api_client.get("/api/paises/")

    assert response.json()[0]["code"] == "PE"
    assert cache.get("ns:countries:version") is None


def test_error_messages_follow_accept_language(api_client, peru):
    spanish = api_client.get("/api/ciudades/?country=ZZ").json()
    english = api_client.get("/api/ciudades/?country=ZZ", HTTP_ACCEPT_LANGUAGE="en").json()

    assert spanish["detail"] == "No existe el país 'ZZ'."
    assert english["detail"] == "There is no country 'ZZ'."


# --- what enters a cache key ------------------------------------------------


def test_parameters_a_catalog_does_not_understand_neither_make_entries_nor_reach_its_links(api_client, peru):
    for number in range(60):
        CityFactory(country=peru, name=f"Ciudad {number:02}")
    first = api_client.get("/api/ciudades/?country=pe")
    misses = _shared_misses("cities")

    for number in range(25):
        response = api_client.get(f"/api/ciudades/?country=pe&utm_source=x{number}&_={time.time_ns()}")
        assert response.json() == first.json()

    assert _shared_misses("cities") == misses
    assert "utm_source" not in first.json()["next"]
    assert "country=pe" in first.json()["next"]


@pytest.mark.redis
def test_random_parameters_do_not_grow_redis(api_client, peru, settings):
    api_client.get("/api/paises/")
    keys = get_redis_connection("default").dbsize()

    for number in range(50):
        assert api_client.get(f"/api/paises/?x={number}-{time.time_ns()}").status_code == 200

    assert get_redis_connection("default").dbsize() == keys


def _shared_misses(namespace: str) -> float:
    return cache_lookups.labels(namespace, "shared", "miss")._value.get()
