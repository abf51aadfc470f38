#!/usr/bin/env bash
# Celery beat with the database scheduler (django-celery-beat): run exactly one.
set -euo pipefail
cd "$(dirname "$0")/.."
. batch_scripts/_venv.sh requirements.txt
exec celery -A project beat --loglevel="${LOG_LEVEL:-info}"
