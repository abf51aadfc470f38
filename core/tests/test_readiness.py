"""/health/ready against dependencies that fail for real: a database that
accepts connections and never answers, one that refuses them, a dead Redis.
The probe answers within 2 s and names the failing part, never its address
or the driver's error."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.db import connection

from core.tests.tcp_proxy import TcpProxy

ROOT = Path(__file__).resolve().parents[2]

# Run in a process of its own: its DATABASE_URL is the only thing that differs.
PROBE = textwrap.dedent(
    """
    import json, time
    import django
    django.setup()
    from django.test import Client
    client = Client()
    client.get("/health/live")  # loads the URLs and middleware: not part of the probe's time
    started = time.monotonic()
    response = client.get("/health/ready")
    print(json.dumps({
        "status": response.status_code,
        "seconds": time.monotonic() - started,
        "body": response.content.decode(),
    }))
    """
)


def _probe(database_url: str, **env: str) -> dict:
    base = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "DATABASE_URL")}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={
            **base,
            "DJANGO_SETTINGS_MODULE": "project.settings",
            "DATABASE_URL": database_url,
            "DEBUG": "true",
            "SECRET_KEY": "readiness-test",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def silent_server():
    """A real socket that accepts connections and never answers them."""
    server = TcpProxy("127.0.0.1", 9)
    server.silent()
    yield server
    server.close()


def test_a_database_that_never_answers_is_a_503_within_two_seconds(silent_server):
    answer = _probe(f"postgres://travelhub@127.0.0.1:{silent_server.port}/travelhub")

    assert answer["status"] == 503
    assert answer["seconds"] < 2
    body = json.loads(answer["body"])
    assert body == {"status": "unavailable", "checks": {"database": "timeout", "cache": "ok", "broker": "in-process"}}


def test_a_database_that_refuses_is_named_without_its_address_or_error(silent_server):
    port = silent_server.port
    silent_server.close()  # nothing listens there any more: connections are refused

    answer = _probe(f"postgres://travelhub:s3cret@127.0.0.1:{port}/travelhub")

    assert answer["status"] == 503
    assert json.loads(answer["body"])["checks"]["database"] == "error"
    for leak in ("127.0.0.1", str(port), "s3cret", "travelhub", "refused", "psycopg2", "OperationalError"):
        assert leak not in answer["body"]


@pytest.mark.postgresql
@pytest.mark.django_db
def test_postgresql_sessions_have_a_statement_timeout_and_connect_timeout(settings):
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "30s"
    assert connection.get_connection_params()["connect_timeout"] == 5


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_statement_longer_than_the_timeout_is_cancelled_by_the_server():
    settings_dict = connection.settings_dict
    code = textwrap.dedent(
        """
        import django
        django.setup()
        from django.db import connection, OperationalError
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_sleep(5)")
        except OperationalError as error:
            print("cancelled:", "statement timeout" in str(error))
        """
    )
    host = settings_dict["HOST"] or "127.0.0.1"
    url = f"postgres://{settings_dict['USER']}@{host}:{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "DATABASE_URL")}

    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **env,
            "DJANGO_SETTINGS_MODULE": "project.settings",
            "DATABASE_URL": url,
            "DEBUG": "true",
            "SECRET_KEY": "x",
            "DB_STATEMENT_TIMEOUT_MS": "300",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.stdout.strip() == "cancelled: True", result.stderr
