import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from core.cache import local_tier


def pytest_collection_modifyitems(config, items):
    skip_postgresql = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL to a PostgreSQL database")
    skip_redis = pytest.mark.skip(reason="needs a real Redis: set REDIS_URL")
    for item in items:
        if "postgresql" in item.keywords and not settings.IS_POSTGRESQL:
            item.add_marker(skip_postgresql)
        if "redis" in item.keywords and not settings.REDIS_URL:
            item.add_marker(skip_redis)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Deliberately slow hashing is a production property, not one under test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _static_files_without_manifest(settings):
    # Production serves hashed files made by collectstatic; tests do not run it.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _empty_cache():
    # Every test starts with nothing cached, in Redis and in this process.
    cache.clear()
    local_tier.drop()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def staff_user(db):
    from core.tests.factories import UserFactory

    return UserFactory(role="staff", is_staff=True)


@pytest.fixture
def guest_user(db):
    from core.tests.factories import UserFactory

    return UserFactory(role="guest")


@pytest.fixture
def staff_client(staff_user) -> APIClient:
    client = APIClient()
    client.force_authenticate(staff_user)
    return client


@pytest.fixture
def guest_client(guest_user) -> APIClient:
    client = APIClient()
    client.force_authenticate(guest_user)
    return client
