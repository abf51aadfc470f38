import os
import subprocess
import sys
from email import policy as email_policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from celery._state import _set_task_join_will_block
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import translation
from rest_framework.test import APIClient

from core.cache import local_tier, shared_cache_breaker
from core.services.task_dispatch import broker_breaker
from core.tests.tcp_proxy import TcpProxy
from core.tests.workers import use_broker, worker_wait_ready
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


class RealWorker:
    def __init__(self, process: subprocess.Popen, email_dir: Path) -> None:
        self.process = process
        self.email_dir = email_dir

    def sent_emails(self) -> list[EmailMessage]:
        """The e-mails the worker sent (Django's file-based backend)."""
        messages = []
        for path in sorted(self.email_dir.glob("*.log")):
            for raw in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if raw.strip():
                    messages.append(BytesParser(policy=email_policy.default).parsebytes(raw.lstrip()))
        return messages


@pytest.fixture
def celery_worker(settings, tmp_path):
    """A real `celery worker` process on the Redis broker, using the test
    database; tasks sent during the test go to it. Data it must see has to be
    committed (use django_db(transaction=True)). Its e-mails are written to
    files (`sent_emails()`)."""
    email_dir = tmp_path / "worker-emails"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(connection.settings_dict),
        "SECRET_KEY": settings.SECRET_KEY,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(email_dir),
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
        worker_wait_ready()
        yield RealWorker(worker, email_dir)
    finally:
        celery_app.conf.task_always_eager = True
        worker.terminate()
        worker.wait(timeout=30)


@pytest.fixture
def redis_proxy(settings):
    """This process reaches Redis — its cache and the Celery broker — through
    a TcpProxy the test can cut (`refusing()`, `silent()`, `restore()`).
    A celery_worker started by the test still reaches Redis directly."""
    target = urlsplit(settings.REDIS_URL)
    proxy = TcpProxy(target.hostname, target.port or 6379)
    proxied_url = target._replace(netloc=proxy.address).geturl()
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": proxied_url}}
    direct_url = celery_app.conf.broker_url
    use_broker(proxied_url)
    try:
        yield proxy
    finally:
        proxy.close()
        use_broker(direct_url)


def _database_url(settings_dict) -> str:
    user = settings_dict["USER"] or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict["PASSWORD"] else ""
    host = settings_dict["HOST"] or "127.0.0.1"
    port = settings_dict["PORT"] or "5432"
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


class HeldTasks:
    """Tasks sent meanwhile are recorded in the task outbox and not run: the
    broker is treated as down, as after a failed send."""

    def __init__(self) -> None:
        self.eager = celery_app.conf.task_always_eager
        celery_app.conf.task_always_eager = False
        broker_breaker.closed_until = float("inf")

    def release(self) -> None:
        """The broker is back (tasks run in this process again)."""
        celery_app.conf.task_always_eager = self.eager
        broker_breaker.reset()


@pytest.fixture
def tasks_held():
    held = HeldTasks()
    yield held
    held.release()


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
    broker_breaker.reset()


@pytest.fixture(autouse=True)
def _default_language():
    # A test that left a language active (a command, a request) would
    # change what later tests render.
    yield
    translation.deactivate()


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
