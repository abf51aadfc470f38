@echo off
rem Run the whole test suite (SQLite unless DATABASE_URL and REDIS_URL are set).
cd /d "%~dp0\.."
if not exist .venv\Scripts\python.exe python -m venv .venv
.venv\Scripts\python -m pip install --quiet -r requirements-dev.txt || exit /b 1
if "%SECRET_KEY%"=="" set SECRET_KEY=test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz
.venv\Scripts\python -m pytest %*
