"""While PostgreSQL refuses connections the API answers 503 with
Retry-After and a JSON body, not 500, and serves again once it is back
(a real PostgreSQL behind a proxy this test cuts)."""

import pytest
from django.db import close_old_connections, connection
from rest_framework.test import APIClient

from core.models import Client
from core.services.api_tokens import api_token_create
from core.tests.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def database_proxy():
    settings_dict = connection.settings_dict
    original = settings_dict["HOST"], settings_dict["PORT"]
    proxy = TcpProxy(original[0] or "127.0.0.1", int(original[1] or 5432))
    connection.close()
    settings_dict["HOST"], settings_dict["PORT"] = "127.0.0.1", proxy.port
    try:
        yield proxy
    finally:
        proxy.close()
        connection.close()
        settings_dict["HOST"], settings_dict["PORT"] = original


@pytest.fixture
def staff_token_client(staff_user) -> APIClient:
    _, key = api_token_create(user=staff_user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_while_the_database_refuses_connections_requests_get_503_and_then_are_served(
    database_proxy, staff_token_client
):
    assert staff_token_client.get("/api/clientes/").status_code == 200

    # when: the database refuses connections and drops the open ones
    database_proxy.refusing()
    read = staff_token_client.get("/api/clientes/", HTTP_ACCEPT_LANGUAGE="en")
    write = staff_token_client.post("/api/clientes/", {"name": "Agencia Ñandú", "document_number": "20100047218"})

    # then: both say so, with when to come back
    for response in (read, write):
        assert response.status_code == 503, response.content
        assert response["Retry-After"] == "5"
        assert response.json()["code"] == "unavailable"
    assert "try again" in read.json()["detail"]

    # when: it is back, the next request is served and nothing was written
    database_proxy.restore()
    # (what a server does at the end of each request; the test client does not)
    close_old_connections()
    assert staff_token_client.get("/api/clientes/").status_code == 200
    assert not Client.objects.filter(name="Agencia Ñandú").exists()
