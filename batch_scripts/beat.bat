@echo off
rem Celery beat with the database scheduler (django-celery-beat): run exactly one.
cd /d "%~dp0\.."
if not exist .venv\Scripts\python.exe python -m venv .venv
.venv\Scripts\python -m pip install --quiet -r requirements.txt || exit /b 1
.venv\Scripts\celery -A project beat --loglevel=info
