"""What operators run: settings checks, warm-up command and task."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from core.models import User
from core.tasks import warmup_cache_task
from core.tests.factories import CityFactory, CountryFactory, CurrencyFactory

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DATABASE_URL": "postgres://travelhub@db.internal:5432/travelhub",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "SECRET_KEY": "k3J9x!vQ2mZr8LwT5yHc0NbGfDpAeUsVi7oK1qWjXt4RlMnB6-production-like",
    "ALLOWED_HOSTS": "api.travelhub.example",
    "SECURE_SSL_REDIRECT": "true",
    "DEBUG": "false",
    "DJANGO_SETTINGS_MODULE": "project.settings",
    "AGENCY_NAME": "Viajes Cóndor E.I.R.L.",
    "AGENCY_TAX_ID": "20999888777",
    "AGENCY_ADDRESS": "Jr. de la Unión 100, Lima",
    "PAYMENT_PROVIDER": "stripe",
    "STRIPE_SECRET_KEY": "sk_live_production_like",
    "PAYMENT_WEBHOOK_SECRET": "whsec_production_like",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean_env = {key: value for key, value in os.environ.items() if key not in PRODUCTION_ENV}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean_env, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_checks_pass_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr


def test_missing_secret_key_stops_start_up_with_a_clear_message():
    env = {**PRODUCTION_ENV, "SECRET_KEY": ""}

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


# No DATABASE_URL nor REDIS_URL (as a fresh checkout) but DEBUG off: production.
EMBEDDED_WITHOUT_DEBUG = {
    key: value for key, value in PRODUCTION_ENV.items() if key not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")
}


def test_missing_secret_key_stops_start_up_even_without_database_and_redis_urls():
    result = _manage("check", env=EMBEDDED_WITHOUT_DEBUG)

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_off_without_database_and_redis_urls_has_secure_cookies_and_hsts():
    code = (
        "from django.conf import settings; "
        "print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS)"
    )

    result = _manage("shell", "--no-imports", "-c", code, env={**EMBEDDED_WITHOUT_DEBUG, "SECRET_KEY": "k" * 50})

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "31536000"]


def test_in_production_api_docs_are_for_staff_and_metrics_for_no_network_by_default():
    code = "from django.conf import settings; print(settings.API_DOCS, settings.METRICS_ALLOWED_NETWORKS)"

    result = _manage("shell", "--no-imports", "-c", code, env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "staff []"


def test_a_missing_agency_stops_start_up_instead_of_printing_a_placeholder():
    env = {**PRODUCTION_ENV, "AGENCY_TAX_ID": ""}

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "AGENCY_TAX_ID not set" in result.stderr


@pytest.mark.parametrize("missing", ["PAYMENT_WEBHOOK_SECRET", "STRIPE_SECRET_KEY"])
def test_payments_without_their_keys_stop_start_up(missing):
    result = _manage("check", env={**PRODUCTION_ENV, missing: ""})

    assert result.returncode != 0
    assert f"{missing} not set" in result.stderr


@pytest.mark.django_db
def test_warmup_command_fills_every_catalog_cache(api_client, django_assert_num_queries):
    CountryFactory()
    CityFactory()

    call_command("warmup_cache", stdout=(output := _Output()))

    assert "countries: 2 responses cached" in output.text
    assert "cities: 2 responses cached" in output.text
    with django_assert_num_queries(0):
        countries = api_client.get("/api/paises/", HTTP_HOST="localhost:8000")
        cities_in_english = api_client.get("/api/ciudades/", HTTP_HOST="localhost:8000", HTTP_ACCEPT_LANGUAGE="en")
    assert countries.status_code == 200
    assert cities_in_english.status_code == 200


@pytest.mark.django_db
def test_warmup_task_does_the_same(api_client, django_assert_num_queries):
    CountryFactory()

    result = warmup_cache_task.delay().get()

    assert result["countries"] == 2
    with django_assert_num_queries(0):
        api_client.get("/api/paises/", HTTP_HOST="localhost:8000")


@pytest.mark.redis
@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_warmup_task_runs_on_a_real_worker(celery_worker, api_client, django_assert_num_queries):
    CountryFactory()

    result = warmup_cache_task.delay().get(timeout=60)

    assert result["countries"] == 2
    with django_assert_num_queries(0):
        response = api_client.get("/api/paises/", HTTP_HOST="localhost:8000")
    assert response.json()[0]["code"] == "PE"


class _Output:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


def test_files_go_to_an_s3_compatible_bucket_when_the_setting_says_so():
    env = {
        **PRODUCTION_ENV,
        "MEDIA_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": "travelhub-media",
        "AWS_S3_ENDPOINT_URL": "https://s3.storage.example",
        "AWS_ACCESS_KEY_ID": "key-id",
        "AWS_SECRET_ACCESS_KEY": "secret",
    }
    code = (
        "from django.core.files.storage import storages; "
        "print(type(storages['default']).__name__, storages['default'].url('listings/1/thumb.jpg'))"
    )

    result = _manage("shell", "--no-imports", "-c", code, env=env)

    assert result.returncode == 0, result.stderr
    backend, url = result.stdout.split()
    assert backend == "S3Storage"
    assert url.startswith("https://s3.storage.example/travelhub-media/listings/1/thumb.jpg?")
    assert "Signature" in url or "X-Amz-Signature" in url


@pytest.mark.django_db
def test_demo_data_is_refused_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--yes-on-production"):
        call_command("load_demo_data", stdout=_Output())

    assert not User.objects.filter(username="demo-staff").exists()


@pytest.mark.django_db
def test_demo_data_with_debug_off_needs_the_explicit_flag(settings):
    settings.DEBUG = False
    CurrencyFactory(code="PEN")
    CurrencyFactory(code="USD")

    call_command("load_demo_data", "--yes-on-production", stdout=(output := _Output()))

    assert User.objects.get(username="demo-staff").is_superuser
    assert "demo-staff / travelhub-demo" in output.text


def test_start_script_runs_load_demo_data_with_debug_on():
    # batch_scripts/start.sh runs embedded (no DATABASE_URL, no REDIS_URL): DEBUG is on.
    code = "from django.conf import settings; print(settings.DEBUG)"
    unset = ("DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY")
    env = {key: value for key, value in os.environ.items() if key not in unset}

    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
    assert "python manage.py load_demo_data\n" in (ROOT / "batch_scripts" / "start.sh").read_text()


@pytest.mark.django_db
def test_warmup_on_a_local_memory_cache_warns_that_it_stays_in_its_process():
    locmem = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "warmup-test"}}
    with override_settings(CACHES=locmem):
        call_command("warmup_cache", stdout=_Output(), stderr=(errors := _Output()))

    assert "lives only in this command's process" in errors.text
    assert "REDIS_URL" in errors.text


@pytest.mark.redis
@pytest.mark.django_db
def test_warmup_on_redis_does_not_warn():
    call_command("warmup_cache", stdout=_Output(), stderr=(errors := _Output()))

    assert errors.text == ""
