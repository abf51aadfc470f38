@echo off
rem Production web server: granian (WSGI). Needs DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS, AGENCY_NAME, AGENCY_TAX_ID, AGENCY_ADDRESS.
cd /d "%~dp0\.."
if not exist .venv\Scripts\python.exe python -m venv .venv
.venv\Scripts\python -m pip install --quiet -r requirements.txt || exit /b 1
.venv\Scripts\python manage.py collectstatic --noinput --verbosity 0 || exit /b 1
.venv\Scripts\granian --interface wsgi --host 0.0.0.0 --port 8000 --workers 2 --blocking-threads 1 --respawn-failed-workers project.wsgi:application
