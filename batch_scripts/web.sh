#!/usr/bin/env bash
# Production web server: granian (WSGI), chosen by measurement (BENCHMARKS.md).
# One blocking thread per worker: more threads only fight over the GIL.
# A worker that dies (killed, out of memory) is started again: without
# --respawn-failed-workers granian shuts the whole server down (python -m bench drill).
# Needs DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS and AGENCY_NAME, AGENCY_TAX_ID, AGENCY_ADDRESS.
set -euo pipefail
cd "$(dirname "$0")/.."
. batch_scripts/_venv.sh requirements.txt
python manage.py collectstatic --noinput --verbosity 0
export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-$(mktemp -d)}"
exec granian --interface wsgi --host "${HOST:-0.0.0.0}" --port "${PORT:-8000}" \
  --workers "${WEB_WORKERS:-2}" --blocking-threads 1 --respawn-failed-workers project.wsgi:application
