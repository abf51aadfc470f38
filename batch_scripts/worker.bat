@echo off
rem Celery worker: needs REDIS_URL (or CELERY_BROKER_URL) and DATABASE_URL. PYTHON: the interpreter for the virtualenv.
setlocal
cd /d "%~dp0\.."
if not defined LOG_LEVEL set "LOG_LEVEL=info"
call batch_scripts\_venv.bat requirements.txt || exit /b 1
rem The prefork pool does not run on Windows.
.venv\Scripts\celery -A project worker --loglevel=%LOG_LEVEL% --pool=solo
