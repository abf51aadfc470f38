import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery._state import _set_task_join_will_block
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from core.cache import local_tier, shared_cache_breaker
from project.celery import app as celery_app


def pytest_collection_modifyitems(config, items):
    skip_postgresql = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL to a PostgreSQL database")
    skip_redis = pytest.mark.skip(reason="needs a real Redis: set REDIS_URL")
    for item in items:
        if "postgresql" in item.keywords and not settings.IS_POSTGRESQL:
            item.add_marker(skip_postgresql)
        if "redis" in item.keywords and not settings.REDIS_URL:
            item.add_marker(skip_redis)


@pytest.fixture(autouse=True, scope="session")
def _tasks_run_in_process():
    # Tests call tasks in-process unless they start a real worker (celery_worker).
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True


@pytest.fixture
def celery_worker(settings):
    """A real `celery worker` process on the Redis broker, using the test
    database; tasks sent during the test go to it. Data it must see has to be
    committed (use django_db(transaction=True))."""
    from django.db import connection

    env = {
        **os.environ,
        "DATABASE_URL": _database_url(connection.settings_dict),
        "SECRET_KEY": settings.SECRET_KEY,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "project", "worker", "--pool=solo", "--loglevel=warning"],
        cwd=Path(__file__).parent,
        env=env,
    )
    celery_app.conf.task_always_eager = False
    # Eager tasks run by concurrent threads in earlier tests can leave
    # Celery's process-wide "inside a task" flag set (apply() saves and
    # restores it without a lock); this test process is not a task.
    _set_task_join_will_block(False)
    try:
        _wait_for_worker()
        yield worker
    finally:
        celery_app.conf.task_always_eager = True
        worker.terminate()
        worker.wait(timeout=30)


def _database_url(settings_dict) -> str:
    user = settings_dict["USER"] or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict["PASSWORD"] else ""
    host = settings_dict["HOST"] or "127.0.0.1"
    port = settings_dict["PORT"] or "5432"
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


def _wait_for_worker(seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if celery_app.control.ping(timeout=0.5):
            return
    raise RuntimeError("the Celery worker did not start")


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


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
    shared_cache_breaker.reset()


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
