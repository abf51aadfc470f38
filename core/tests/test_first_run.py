"""What a newcomer meets first: the landing page, the API docs working
offline, one log line per request, the summary the start script ends with."""

import logging

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "docs_label"), [("es", "Documentación de la API"), ("en", "API documentation")])
def test_the_root_is_a_page_linking_docs_admin_health_and_metrics(client, language, docs_label):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 200
    page = response.content.decode()
    assert docs_label in page
    for link in ('href="/api/docs/"', 'href="/admin/"', 'href="/health/ready"', 'href="/metrics"'):
        assert link in page
    assert "/api/auth/token/" in page


def test_swagger_ui_comes_from_our_static_files_not_a_cdn(client, settings):
    settings.API_DOCS = "public"
    page = client.get("/api/docs/").content.decode()

    assert "cdn.jsdelivr.net" not in page
    assert "@latest" not in page
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")


def test_a_request_is_logged_once(client, caplog, settings):
    caplog.set_level(logging.INFO)

    client.get("/api/no-such-thing/")

    records = [record for record in caplog.records if "/api/no-such-thing/" in record.getMessage()]
    assert len(records) == 1, [record.getMessage() for record in records]
    if settings.QUERY_COUNT_MIDDLEWARE:
        # The request log, with the status, rather than Django's "Not Found".
        assert records[0].name == "travelhub.requests"
        assert " 404 " in records[0].getMessage()


def test_the_welcome_names_the_links_logins_and_the_token_request(capsys):
    call_command("welcome", "--base-url", "http://127.0.0.1:8765/")

    out = capsys.readouterr().out
    assert "http://127.0.0.1:8765/api/docs/" in out
    assert "http://127.0.0.1:8765/admin/" in out
    assert "demo-staff" in out
    assert "travelhub-demo" in out
    assert "http://127.0.0.1:8765/api/auth/token/" in out
