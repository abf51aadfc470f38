@echo off
rem Run the whole test suite (SQLite unless DATABASE_URL and REDIS_URL are set). PYTHON: the interpreter for the virtualenv.
setlocal
cd /d "%~dp0\.."
call batch_scripts\_venv.bat requirements-dev.txt || exit /b 1
if "%SECRET_KEY%"=="" set SECRET_KEY=test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz
.venv\Scripts\python -m pytest %*
