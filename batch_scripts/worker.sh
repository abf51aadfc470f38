#!/usr/bin/env bash
# Celery worker: needs REDIS_URL (or CELERY_BROKER_URL) and DATABASE_URL.
set -euo pipefail
cd "$(dirname "$0")/.."
. batch_scripts/_venv.sh requirements.txt
exec celery -A project worker --loglevel="${LOG_LEVEL:-info}" --concurrency="${WORKER_CONCURRENCY:-2}"
