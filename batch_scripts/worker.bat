@echo off
rem Celery worker: needs REDIS_URL (or CELERY_BROKER_URL) and DATABASE_URL.
cd /d "%~dp0\.."
if not exist .venv\Scripts\python.exe python -m venv .venv
.venv\Scripts\python -m pip install --quiet -r requirements.txt || exit /b 1
rem The prefork pool does not run on Windows.
.venv\Scripts\celery -A project worker --loglevel=info --pool=solo
