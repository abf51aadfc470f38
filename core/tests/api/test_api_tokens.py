"""API tokens: they expire, slide with use, are listed and revoked by their
user only, and end when the password changes."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import ApiToken
from core.services.api_tokens import api_token_digest
from core.tasks import api_tokens_expired_delete_task
from core.tests.factories import CountryFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-strong-password-1"


def _login(username: str, **extra) -> dict:
    response = APIClient().post("/api/auth/token/", {"username": username, "password": PASSWORD, **extra})
    assert response.status_code == 200, response.content
    return response.json()


def _as(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _token_of(key: str) -> ApiToken:
    return ApiToken.objects.get(digest=api_token_digest(key))


def test_a_token_lasts_thirty_days_by_default_and_only_its_digest_is_kept():
    UserFactory(username="ana")

    answer = _login("ana")

    expires_at = _token_of(answer["token"]).expires_at
    assert abs(expires_at - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)
    assert not ApiToken.objects.filter(digest=answer["token"]).exists()
    assert answer["id"] == _token_of(answer["token"]).id
    # Like every date-time of the API: in the business time zone, as the token list shows it.
    listed = _as(answer["token"]).get("/api/auth/tokens/").json()["results"][0]
    assert answer["expires_at"] == listed["expires_at"]


@override_settings(API_TOKEN_LIFETIME_DAYS=2)
def test_the_lifetime_is_a_setting():
    UserFactory(username="ana")

    expires_at = _token_of(_login("ana")["token"]).expires_at

    assert abs(expires_at - (timezone.now() + timedelta(days=2))) < timedelta(minutes=1)


def test_an_expired_token_is_refused():
    UserFactory(username="ana")
    key = _login("ana")["token"]
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = _as(key).get("/api/auth/tokens/")

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    in_english = _as(key).get("/api/auth/tokens/", HTTP_ACCEPT_LANGUAGE="en")
    assert in_english.json()["detail"] == "Invalid or expired token."


def test_using_a_token_extends_it():
    UserFactory(username="ana")
    key = _login("ana")["token"]
    # Last used 29 days ago: one day left.
    ApiToken.objects.update(expires_at=timezone.now() + timedelta(days=1))

    assert _as(key).get("/api/auth/tokens/").status_code == 200

    token = _token_of(key)
    assert abs(token.expires_at - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)
    assert token.last_used_at is not None


def test_a_user_lists_their_own_tokens_only():
    UserFactory(username="ana")
    UserFactory(username="beto")
    first = _login("ana", name="portátil")
    second = _login("ana")
    _login("beto")

    response = _as(second["token"]).get("/api/auth/tokens/")

    assert response.status_code == 200
    listed = {token["id"]: token for token in response.json()["results"]}
    assert set(listed) == {first["id"], second["id"]}
    assert listed[first["id"]]["name"] == "portátil"
    assert listed[first["id"]]["prefix"] == first["token"][:8]
    assert (listed[first["id"]]["current"], listed[second["id"]]["current"]) == (False, True)
    assert "token" not in listed[first["id"]]
    assert "digest" not in listed[first["id"]]


def test_revoking_a_token_ends_it():
    UserFactory(username="ana")
    keep = _login("ana")["token"]
    revoke = _login("ana")

    response = _as(keep).delete(f"/api/auth/tokens/{revoke['id']}/")

    assert response.status_code == 204
    assert _as(revoke["token"]).get("/api/auth/tokens/").status_code == 401
    assert _as(keep).get("/api/auth/tokens/").status_code == 200


@pytest.mark.parametrize("method", ["get", "patch", "put", "delete"])
def test_another_users_token_is_a_404_on_every_verb(method):
    UserFactory(username="ana")
    UserFactory(username="beto")
    ana = _login("ana")["token"]
    beto = _login("beto")

    response = getattr(_as(ana), method)(f"/api/auth/tokens/{beto['id']}/", {"name": "mío"}, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert _token_of(beto["token"]).name != "mío"
    assert _as(beto["token"]).get("/api/auth/tokens/").status_code == 200


def test_a_token_can_be_renamed():
    UserFactory(username="ana")
    answer = _login("ana")

    response = _as(answer["token"]).patch(f"/api/auth/tokens/{answer['id']}/", {"name": "servidor"}, format="json")

    assert response.status_code == 200
    assert _token_of(answer["token"]).name == "servidor"


def test_a_password_change_revokes_every_token_of_the_user():
    user = UserFactory(username="ana")
    other = UserFactory(username="beto")
    keys = [_login("ana")["token"], _login("ana")["token"]]
    beto = _login("beto")["token"]
    user.first_name = "Ana"
    user.save()  # not a password change
    assert _as(keys[0]).get("/api/auth/tokens/").status_code == 200

    user.set_password("another-strong-password-2")
    user.save()

    assert [_as(key).get("/api/auth/tokens/").status_code for key in keys] == [401, 401]
    assert _as(beto).get("/api/auth/tokens/").status_code == 200
    assert other.api_tokens.count() == 1


def test_a_password_changed_in_the_admin_revokes_the_tokens(client):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    user = UserFactory(username="ana")
    key = _login("ana")["token"]
    client.force_login(admin)

    response = client.post(
        f"/admin/core/user/{user.pk}/password/",
        {"password1": "another-strong-password-2", "password2": "another-strong-password-2"},
    )

    assert response.status_code == 302
    assert _as(key).get("/api/auth/tokens/").status_code == 401


def test_tokens_still_authenticate_writes_and_anonymous_reads_stay_open():
    CountryFactory()
    UserFactory(username="ana", role="staff", is_staff=True)
    key = _login("ana")["token"]

    response = _as(key).patch("/api/paises/PE/", {"phone_prefix": "+51"}, format="json")

    assert response.status_code == 200
    assert APIClient().get("/api/auth/tokens/").status_code == 401


def test_staff_see_and_revoke_tokens_in_the_admin(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    UserFactory(username="ana")
    answer = _login("ana")

    listing = client.get("/admin/core/apitoken/")
    revoked = client.post(f"/admin/core/apitoken/{answer['id']}/delete/", {"post": "yes"})

    assert listing.status_code == 200
    assert answer["token"][:8] in listing.content.decode()
    assert answer["token"] not in listing.content.decode()
    assert revoked.status_code == 302
    assert _as(answer["token"]).get("/api/auth/tokens/").status_code == 401


def test_expired_tokens_are_swept_by_a_periodic_task():
    UserFactory(username="ana")
    live = _login("ana")["token"]
    expired = _login("ana")["token"]
    ApiToken.objects.filter(digest=api_token_digest(expired)).update(expires_at=timezone.now())

    assert api_tokens_expired_delete_task.delay().get() == 1

    assert list(ApiToken.objects.values_list("digest", flat=True)) == [api_token_digest(live)]


def test_a_deactivated_users_tokens_are_refused():
    user = UserFactory(username="ana")
    key = _login("ana")["token"]
    user.is_active = False
    user.save()

    response = _as(key).get("/api/auth/tokens/")

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_the_token_list_is_paged_and_its_queries_do_not_grow_with_the_page(django_assert_max_num_queries):
    ana = UserFactory(username="ana")
    key = _login("ana")["token"]
    now = timezone.now()
    ApiToken.objects.bulk_create(
        ApiToken(user=ana, digest=f"{n:064x}", prefix=f"{n:08x}", expires_at=now + timedelta(days=1)) for n in range(60)
    )

    # Authentication (the token, its user, its sliding expiry) and the page with its count.
    with django_assert_max_num_queries(4):
        page = _as(key).get("/api/auth/tokens/").json()

    assert page["count"] == 61
    assert len(page["results"]) == 50
