#!/usr/bin/env bash
# Run a manage.py command in the project's virtualenv (made and kept up to
# date as by the other scripts), e.g.: batch_scripts/manage.sh warmup_cache
set -euo pipefail
cd "$(dirname "$0")/.."
. batch_scripts/_venv.sh requirements.txt
exec python manage.py "$@"
