"""Guessing passwords: failed logins are counted per username and per
address, in the cache, and past the limit even the right password gets a 429
with Retry-After, on the token endpoint and the admin's login alike."""

import pytest
from django.test import Client, override_settings
from rest_framework.test import APIClient

from core.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-strong-password-1"


def _token(username: str, password: str, address: str = "198.51.100.7", **headers):
    return APIClient().post(
        "/api/auth/token/", {"username": username, "password": password}, REMOTE_ADDR=address, **headers
    )


def test_thirty_wrong_passwords_then_the_right_one_is_a_429():
    UserFactory(username="ana")
    answers = [_token("ana", f"wrong-{n}").status_code for n in range(30)]

    response = _token("ana", PASSWORD)

    assert answers[:10] == [400] * 10
    assert set(answers[10:]) == {429}
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 15 * 60
    body = response.json()
    assert body["code"] == "throttled"
    assert "token" not in body
    assert body["detail"].startswith("Demasiados intentos de inicio de sesión fallidos.")
    assert body["detail"] == "Demasiados intentos de inicio de sesión fallidos. Vuelva a intentarlo en 15 minuto(s)."
    in_english = _token("ana", PASSWORD, HTTP_ACCEPT_LANGUAGE="en").json()["detail"]
    assert in_english == "Too many failed login attempts. Try again in 15 minute(s)."


def test_the_username_is_counted_whatever_the_address_and_login_form():
    UserFactory(username="ana", email="ana@example.com")
    for n in range(10):
        _token("ana@example.com" if n % 2 else "ANA", "wrong", address=f"203.0.113.{n}")

    assert _token("ana", PASSWORD, address="192.0.2.1").status_code == 429


def test_other_users_are_not_locked_out_by_one_users_failures():
    UserFactory(username="ana")
    UserFactory(username="beto")
    for _ in range(10):
        _token("ana", "wrong")

    assert _token("beto", PASSWORD).status_code == 200


@override_settings(LOGIN_FAILURES_PER_ADDRESS=5)
def test_one_address_trying_many_usernames_is_throttled():
    UserFactory(username="beto")
    for n in range(5):
        _token(f"user-{n}", "wrong", address="198.51.100.9")

    assert _token("beto", PASSWORD, address="198.51.100.9").status_code == 429
    assert _token("beto", PASSWORD, address="198.51.100.10").status_code == 200


def test_a_success_clears_the_usernames_count():
    UserFactory(username="ana")
    for _ in range(9):
        _token("ana", "wrong", address="203.0.113.1")
    assert _token("ana", PASSWORD).status_code == 200

    for _ in range(9):
        _token("ana", "wrong", address="203.0.113.2")

    assert _token("ana", PASSWORD).status_code == 200


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_the_address_it_adds_is_counted_not_what_the_client_wrote():
    UserFactory(username="beto")
    with override_settings(LOGIN_FAILURES_PER_ADDRESS=3):
        for n in range(3):
            # The client forges a new address each time; the proxy appends the real one.
            _token(f"user-{n}", "wrong", address="10.0.0.2", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 198.51.100.20")

        forged = _token("beto", PASSWORD, address="10.0.0.2", HTTP_X_FORWARDED_FOR="9.9.9.9, 198.51.100.20")
        other = _token("beto", PASSWORD, address="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.21")

    assert forged.status_code == 429
    assert other.status_code == 200


def test_the_admin_login_is_throttled_too():
    UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client(REMOTE_ADDR="198.51.100.30")
    for _ in range(10):
        wrong = client.post("/admin/login/", {"username": "root", "password": "wrong"})
        assert wrong.status_code == 200  # the form again, with its error

    response = client.post("/admin/login/", {"username": "root", "password": PASSWORD})

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["code"] == "throttled"
    assert client.get("/admin/login/").status_code == 200  # the page itself still shows


def test_failures_on_the_token_endpoint_count_for_the_admin():
    UserFactory(username="root", is_staff=True, is_superuser=True)
    for _ in range(10):
        _token("root", "wrong", address="203.0.113.50")

    response = Client().post("/admin/login/", {"username": "root", "password": PASSWORD})

    assert response.status_code == 429


@pytest.mark.redis
def test_the_counts_live_in_redis_shared_by_every_process(settings):
    from django_redis import get_redis_connection

    UserFactory(username="ana")
    for _ in range(10):
        _token("ana", "wrong")

    keys = get_redis_connection("default").keys("*login-failures:user:*")
    assert len([key for key in keys if not key.endswith(b":until")]) == 1
    assert _token("ana", PASSWORD).status_code == 429


@pytest.mark.redis
def test_logins_go_on_unthrottled_while_redis_is_down(redis_proxy):
    UserFactory(username="ana")
    redis_proxy.refusing()

    wrong = _token("ana", "wrong")
    right = _token("ana", PASSWORD)

    assert wrong.status_code == 400
    assert right.status_code == 200
