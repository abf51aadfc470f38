@echo off
rem Production web server: granian (WSGI). Needs DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS, AGENCY_NAME, AGENCY_TAX_ID, AGENCY_ADDRESS.
rem HOST, PORT and WEB_WORKERS as for web.sh (default 0.0.0.0, 8000, 2); PYTHON the interpreter for the virtualenv.
setlocal
cd /d "%~dp0\.."
if not defined HOST set "HOST=0.0.0.0"
if not defined PORT set "PORT=8000"
if not defined WEB_WORKERS set "WEB_WORKERS=2"
call batch_scripts\_venv.bat requirements.txt || exit /b 1
.venv\Scripts\python manage.py collectstatic --noinput --verbosity 0 || exit /b 1
.venv\Scripts\granian --interface wsgi --host %HOST% --port %PORT% --workers %WEB_WORKERS% --blocking-threads 1 --respawn-failed-workers project.wsgi:application
