@echo off
rem Run TravelHub on the embedded default (SQLite, local-memory cache, tasks in-process)
rem with the catalogs and demo data loaded. HOST and PORT choose where it listens
rem (default 127.0.0.1:8000); PYTHON the interpreter the virtualenv is made with.
setlocal
cd /d "%~dp0\.."
if not defined HOST set "HOST=127.0.0.1"
if not defined PORT set "PORT=8000"
echo.
echo == 1/4 Python environment: .venv with the pinned requirements (the first run takes a few minutes)
call batch_scripts\_venv.bat requirements.txt || exit /b 1
echo.
echo == 2/4 Database: db.sqlite3
.venv\Scripts\python manage.py migrate --noinput --verbosity 0 || exit /b 1
echo.
echo == 3/4 Catalogs
.venv\Scripts\python manage.py load_catalogs || exit /b 1
echo.
echo == 4/4 Demo data
.venv\Scripts\python manage.py load_demo_data || exit /b 1
echo.
.venv\Scripts\python manage.py welcome --base-url "http://%HOST%:%PORT%/" || exit /b 1
echo.
.venv\Scripts\python manage.py runserver "%HOST%:%PORT%"
