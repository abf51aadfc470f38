#!/usr/bin/env bash
# Run TravelHub on the embedded default (SQLite, local-memory cache, tasks run
# in-process, e-mail to the console) with the catalogs and demo data loaded.
set -euo pipefail
cd "$(dirname "$0")/.."
. batch_scripts/_venv.sh requirements.txt

python manage.py migrate --noinput
python manage.py load_catalogs
python manage.py load_demo_data
echo "TravelHub on http://${HOST:-127.0.0.1}:${PORT:-8000}/ (API docs at /api/docs/, admin at /admin/)"
exec python manage.py runserver "${HOST:-127.0.0.1}:${PORT:-8000}"
