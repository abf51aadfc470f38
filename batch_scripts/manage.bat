@echo off
rem Run a manage.py command in the project's virtualenv, e.g.: batch_scripts\manage.bat warmup_cache
setlocal
cd /d "%~dp0\.."
call batch_scripts\_venv.bat requirements.txt || exit /b 1
.venv\Scripts\python manage.py %*
