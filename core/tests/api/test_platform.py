"""Health, metrics, request logging, authentication, API docs and admin."""

import pytest
from django.test import Client, override_settings

from core.services.api_tokens import api_token_digest
from core.tests.factories import (
    AirlineFactory,
    AirportFactory,
    CityFactory,
    CountryFactory,
    UserFactory,
    make_countries,
)

pytestmark = pytest.mark.django_db


def test_liveness(client):
    response = client.get("/health/live")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readiness_reports_each_dependency(client):
    response = client.get("/health/ready")

    assert response.status_code == 200
    checks = response.json()["checks"]
    assert checks["database"] == "ok"
    assert checks["cache"] == "ok"
    assert checks["broker"] in ("ok", "in-process")


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        }
    }
)
def test_readiness_names_the_failing_part(client):
    response = client.get("/health/ready")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert {name: body["checks"][name] for name in ("database", "cache")} == {"database": "ok", "cache": "error"}
    assert "127.0.0.1" not in response.content.decode()
    assert "Error" not in response.content.decode()


@override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_readiness_fails_when_the_broker_is_unreachable(client):
    response = client.get("/health/ready")

    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "error"
    assert "127.0.0.1" not in response.content.decode()


@override_settings(METRICS_ALLOWED_NETWORKS=["127.0.0.0/8"])  # the test client's address
def test_metrics_export_request_latency_by_route_and_cache_lookups(client):
    CountryFactory()
    before = _metrics(client)

    client.get("/api/paises/")
    client.get("/api/paises/")  # from the cache, before any URL is resolved
    after = _metrics(client)

    latency = 'travelhub_http_request_duration_seconds_count{method="GET",route="api/paises/",status="200"}'
    assert after[latency] - before.get(latency, 0) == 2
    assert _countries_hits(after) - _countries_hits(before) == 1
    unmatched = [name for name in after if name.startswith(latency.split("{")[0]) and 'route="unmatched"' in name]
    assert all(after[name] == before.get(name, 0) for name in unmatched)
    assert any(name.startswith("django_db_execute_total") for name in after)


def _countries_hits(samples: dict[str, float]) -> float:
    # From this process's memory or from Redis, whichever held it.
    return sum(
        value
        for name, value in samples.items()
        if name.startswith("travelhub_cache_lookups_total{") and 'namespace="countries"' in name and "hit" in name
    )


def _metrics(client) -> dict[str, float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    samples = {}
    for line in response.content.decode().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples


@override_settings(QUERY_COUNT_MIDDLEWARE=True, QUERY_COUNT_WARNING=1)
def test_query_count_middleware_logs_and_adds_server_timing(caplog):
    CityFactory.create_batch(3)

    response = Client().get("/api/ciudades/")

    assert 'desc="2 queries"' in response["Server-Timing"]
    assert "total;dur=" in response["Server-Timing"]
    warnings = [record for record in caplog.records if record.name == "travelhub.requests"]
    assert warnings[-1].levelname == "WARNING"
    assert "GET /api/ciudades/ 200 2 queries" in warnings[-1].getMessage()


@override_settings(QUERY_COUNT_MIDDLEWARE=False)
def test_query_count_middleware_can_be_switched_off():
    assert "Server-Timing" not in Client().get("/health/live")


@pytest.mark.parametrize("login", ["ana", "Ana@Example.com"])
def test_token_is_obtained_with_username_or_email(api_client, login):
    user = UserFactory(username="ana", email="ana@example.com")

    response = api_client.post("/api/auth/token/", {"username": login, "password": "a-strong-password-1"})

    assert response.status_code == 200
    assert user.api_tokens.get().digest == api_token_digest(response.json()["token"])


def test_token_authenticates_writes(api_client):
    CountryFactory()
    UserFactory(username="ana", role="staff", is_staff=True)
    token = api_client.post("/api/auth/token/", {"username": "ana", "password": "a-strong-password-1"}).json()["token"]

    response = api_client.patch(
        "/api/paises/PE/", {"phone_prefix": "+51"}, format="json", HTTP_AUTHORIZATION=f"Token {token}"
    )

    assert response.status_code == 200


def test_wrong_password_is_a_400_without_a_token(api_client):
    UserFactory(username="ana")

    response = api_client.post("/api/auth/token/", {"username": "ana", "password": "wrong"})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "token" not in response.json()


@override_settings(API_DOCS="public")
def test_openapi_schema_and_docs(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"/api/paises/", "/api/ciudades/", "/api/monedas/", "/api/aerolineas/", "/api/aeropuertos/"} <= set(paths)
    city_list = paths["/api/ciudades/"]["get"]
    assert {"country", "search", "page"} <= {parameter["name"] for parameter in city_list["parameters"]}
    assert "400" in city_list["responses"]
    assert {"400", "401", "403", "409"} <= set(paths["/api/paises/{code}/"]["patch"]["responses"])
    assert docs.status_code == 200


def test_metrics_refuse_other_networks(client):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert "travelhub_http_request_duration_seconds" not in response.content.decode()
    in_english = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_ACCEPT_LANGUAGE="en")
    assert in_english.json()["detail"] == "Metrics are only available to authorised monitoring."


@override_settings(METRICS_ALLOWED_NETWORKS=["203.0.113.0/24"])
def test_metrics_answer_an_allowed_network(client):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


@override_settings(METRICS_ALLOWED_NETWORKS=[], METRICS_TOKEN="scrape-me-9f2c")
def test_metrics_answer_the_bearer_token_only(client):
    right = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-me-9f2c")
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-me")
    none = client.get("/metrics")

    assert right.status_code == 200
    assert "travelhub_http_request_duration_seconds" in right.content.decode()
    assert (wrong.status_code, none.status_code) == (403, 403)


@override_settings(API_DOCS="staff")
def test_api_docs_for_staff_only(client, api_client):
    UserFactory(username="ana", role="staff", is_staff=True)
    UserFactory(username="gus", role="guest")

    assert client.get("/api/schema/").status_code == 401
    assert client.get("/api/docs/").status_code in (401, 403)
    guest_token = api_client.post("/api/auth/token/", {"username": "gus", "password": "a-strong-password-1"})
    as_guest = client.get("/api/schema/", HTTP_AUTHORIZATION=f"Token {guest_token.json()['token']}")
    assert as_guest.status_code == 403
    staff_token = api_client.post("/api/auth/token/", {"username": "ana", "password": "a-strong-password-1"})
    as_staff = client.get("/api/schema/?format=json", HTTP_AUTHORIZATION=f"Token {staff_token.json()['token']}")
    assert as_staff.status_code == 200
    assert "/api/paises/" in as_staff.json()["paths"]
    client.login(username="ana", password="a-strong-password-1")  # the admin's session
    assert client.get("/api/docs/").status_code == 200


@override_settings(API_DOCS="off")
def test_api_docs_can_be_switched_off(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    assert client.get("/api/schema/").status_code == 404
    assert client.get("/api/docs/").status_code == 404


def test_schema_generates_without_warnings():
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


@pytest.mark.parametrize(
    ("url", "make_rows"),
    [
        ("/admin/core/country/", lambda: make_countries(50)),
        ("/admin/core/city/", lambda: CityFactory.create_batch(50)),
        ("/admin/core/airport/", lambda: AirportFactory.create_batch(50)),
        ("/admin/core/airline/", lambda: AirlineFactory.create_batch(50)),
        ("/admin/core/currency/", lambda: None),
        ("/admin/core/user/", lambda: UserFactory.create_batch(50)),
    ],
)
def test_admin_changelists_take_at_most_five_queries(client, url, make_rows, django_assert_max_num_queries):
    make_rows()
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)

    with django_assert_max_num_queries(5):
        response = client.get(url)

    assert response.status_code == 200
