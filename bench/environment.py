"""The environment the benchmarked servers run in, and its preparation:
a PostgreSQL database of its own (created and migrated when needed), a Redis
database number of its own, production settings (DEBUG off)."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.cpu import idle_share

REPO_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_DATABASE = "travelhub_bench"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432"
# Never 0: the bench flushes it, and 0 is what a developer's REDIS_URL usually names.
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/3"


class BenchError(Exception):
    """The benchmark cannot run or gave an invalid result; the message says why."""


@dataclass(frozen=True)
class BenchEnvironment:
    database_url: str
    redis_url: str

    def server_env(self, **overrides: str) -> dict[str, str]:
        """Variables for a process of the app run the production way."""
        env = {
            key: value
            for key, value in os.environ.items()
            # Nothing of the caller's configuration may leak into the measured app.
            if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CACHE_", "PROMETHEUS_", "CELERY_"))
        }
        env.update(
            DJANGO_SETTINGS_MODULE="bench.settings",
            DEBUG="false",
            SECRET_KEY="bench-secret-key-" + "k" * 40,
            ALLOWED_HOSTS="127.0.0.1,localhost",
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            LOG_LEVEL="WARNING",
            AGENCY_NAME="Bench Viajes S.A.C.",
            AGENCY_TAX_ID="20100000001",
            AGENCY_ADDRESS="Lima",
            PAYMENT_PROVIDER="fake",
            PAYMENT_WEBHOOK_SECRET="bench-webhook-secret",
            # The bench reads /metrics over loopback.
            METRICS_ALLOWED_NETWORKS="127.0.0.0/8",
            PYTHONUNBUFFERED="1",
        )
        env.update(overrides)
        return env


def bench_environment(database: str = DEFAULT_DATABASE, redis_url: str = DEFAULT_REDIS_URL) -> BenchEnvironment:
    if redis_url.rstrip("/").endswith("/0") or redis_url.rstrip("/").count("/") < 3:
        raise BenchError(f"{redis_url}: use a Redis database number other than 0, the bench flushes it")
    return BenchEnvironment(database_url=f"{DEFAULT_PG}/{database}", redis_url=redis_url)


def manage(env: BenchEnvironment, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=env.server_env(),
        capture_output=True,
        text=True,
        check=check,
    )


def django_code_run(env: BenchEnvironment, code: str, *args: str) -> str:
    """Run Python `code` with Django set up (production settings, the bench's
    database) in a process of its own; what it printed."""
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code, *args],
        cwd=REPO_ROOT,
        env=env.server_env(DJANGO_SETTINGS_MODULE="project.settings"),
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise BenchError(result.stderr[-2000:])
    return result.stdout


def data_module_run(env: BenchEnvironment, module: str, *args: object, marker: str, extra: dict | None = None) -> dict:
    """Run a bench's data side (`python -m bench.<module> ARGS`, which sets up
    Django itself) in a process of its own; the JSON it printed after `marker`."""
    done = subprocess.run(
        [sys.executable, "-m", module, *map(str, args)],
        cwd=REPO_ROOT,
        env=env.server_env(**(extra or {})),
        capture_output=True,
        text=True,
    )
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith(marker + " ")), None)
    if done.returncode != 0 or line is None:
        raise BenchError(f"{module} {args[0]} printed no {marker} line:\n{done.stdout[-2000:]}{done.stderr[-4000:]}")
    return json.loads(line.removeprefix(marker + " "))


def _pg_connect(url: str):
    import psycopg2

    return psycopg2.connect(url, connect_timeout=5)


def ensure_database(env: BenchEnvironment) -> None:
    """Create the database if missing and migrate it."""
    server_url, _, name = env.database_url.rpartition("/")
    try:
        connection = _pg_connect(f"{server_url}/postgres")
    except Exception as error:
        raise BenchError(f"PostgreSQL at {server_url} is not reachable: {error}") from error
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            print(f"creating database {name}")
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    result = manage(env, "migrate", "--noinput", check=False)
    if result.returncode != 0:
        raise BenchError(f"migrate failed:\n{result.stdout}{result.stderr}")


def drop_database(env: BenchEnvironment) -> None:
    """Drop the bench's own database (never one whose name lacks "bench")."""
    server_url, _, name = env.database_url.rpartition("/")
    if "bench" not in name:
        raise BenchError(f"refusing to drop database {name!r}: its name does not say it is a bench's")
    try:
        connection = _pg_connect(f"{server_url}/postgres")
    except Exception as error:
        raise BenchError(f"PostgreSQL at {server_url} is not reachable: {error}") from error
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        connection.close()


@contextmanager
def own_database(env: BenchEnvironment, *, keep: bool) -> Iterator[None]:
    """A database made afresh for the run, dropped after it unless `keep`;
    the bench's Redis database flushed after it either way."""
    drop_database(env)
    try:
        yield
    finally:
        if keep:
            print(f"database {env.database_url.rpartition('/')[2]} kept")
        else:
            drop_database(env)
        flush_redis(env)


def table_rows(env: BenchEnvironment, table: str) -> int:
    connection = _pg_connect(env.database_url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            return cursor.fetchone()[0]
    finally:
        connection.close()


def flush_redis(env: BenchEnvironment) -> None:
    import redis

    try:
        redis.Redis.from_url(env.redis_url, socket_connect_timeout=2).flushdb()
    except redis.RedisError as error:
        raise BenchError(f"Redis at {env.redis_url} is not reachable: {error}") from error


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cores": str(os.cpu_count()),
        "cpu": cpu,
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def machine_report() -> None:
    """The two lines every benchmark's figures start with."""
    info = machine()
    print(f"machine: {info['cores']} cores, {info['cpu']}, Python {info['python']}, Linux {info['kernel']}")
    print(f"machine idle before the run: {idle_share(2):.0%}")


def add_environment_arguments(parser) -> None:
    group = parser.add_argument_group("environment")
    group.add_argument("--database", default=DEFAULT_DATABASE, help=f"PostgreSQL database ({DEFAULT_DATABASE})")
    group.add_argument("--redis-url", default=DEFAULT_REDIS_URL, help=f"Redis database, flushed ({DEFAULT_REDIS_URL})")


def environment_from_args(args) -> BenchEnvironment:
    return bench_environment(args.database, args.redis_url)
