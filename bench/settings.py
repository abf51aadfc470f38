"""Settings of the servers a benchmark starts: the project's own settings,
read from the same environment variables, plus the bench-only URLs."""

from project.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
