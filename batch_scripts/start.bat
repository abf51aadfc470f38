@echo off
rem Run TravelHub on the embedded default (SQLite, local-memory cache, tasks in-process).
cd /d "%~dp0\.."
if not exist .venv\Scripts\python.exe python -m venv .venv
.venv\Scripts\python -m pip install --quiet -r requirements.txt || exit /b 1
.venv\Scripts\python manage.py migrate --noinput || exit /b 1
.venv\Scripts\python manage.py load_catalogs || exit /b 1
.venv\Scripts\python manage.py load_demo_data || exit /b 1
.venv\Scripts\python manage.py runserver 127.0.0.1:8000
