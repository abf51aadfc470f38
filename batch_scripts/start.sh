#!/usr/bin/env bash
# Run TravelHub on the embedded default (SQLite, local-memory cache, tasks run
# in-process, e-mail to the console) with the catalogs and demo data loaded.
# HOST and PORT choose where it listens (default 127.0.0.1:8000); PYTHON the
# interpreter the virtualenv is made with (default python3).
set -euo pipefail
cd "$(dirname "$0")/.."
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
started=$SECONDS

step() {
  printf '\n== %s (%d s)\n' "$1" $((SECONDS - started))
}

step "1/4 Python environment: .venv with the pinned requirements (the first run takes a few minutes)"
. batch_scripts/_venv.sh requirements.txt

step "2/4 Database: db.sqlite3"
pending=$(python manage.py showmigrations --plan | grep -c '^\[ \]' || true)
python manage.py migrate --noinput --verbosity 0
echo "migrations applied: $pending"

step "3/4 Catalogs"
python manage.py load_catalogs

step "4/4 Demo data"
python manage.py load_demo_data

printf '\nReady in %d s.\n' $((SECONDS - started))
python manage.py welcome --base-url "http://$HOST:$PORT/"
echo
exec python manage.py runserver "$HOST:$PORT"
