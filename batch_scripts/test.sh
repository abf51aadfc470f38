#!/usr/bin/env bash
# Run the whole test suite. Against PostgreSQL and Redis when DATABASE_URL and
# REDIS_URL are set; otherwise on SQLite, skipping (with the reason) the tests
# that need them. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
. batch_scripts/_venv.sh requirements-dev.txt

# Tests never run with a production key; DEBUG stays off as in production.
export SECRET_KEY="${SECRET_KEY:-test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz}"
exec python -m pytest "$@"
