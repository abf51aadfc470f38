@echo off
rem Celery beat with the database scheduler (django-celery-beat): run exactly one. PYTHON: the interpreter for the virtualenv.
setlocal
cd /d "%~dp0\.."
if not defined LOG_LEVEL set "LOG_LEVEL=info"
call batch_scripts\_venv.bat requirements.txt || exit /b 1
.venv\Scripts\celery -A project beat --loglevel=%LOG_LEVEL%
