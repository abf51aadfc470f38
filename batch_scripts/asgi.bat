@echo off
rem WebSocket server: uvicorn serving project.asgi for /ws/ only (plain HTTP stays on web.bat).
rem No access log: the socket's API token is in its query string.
rem Needs DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS, AGENCY_NAME, AGENCY_TAX_ID, AGENCY_ADDRESS.
cd /d "%~dp0\.."
if not exist .venv\Scripts\python.exe python -m venv .venv
.venv\Scripts\python -m pip install --quiet -r requirements.txt || exit /b 1
if "%HOST%"=="" set HOST=0.0.0.0
if "%PORT%"=="" set PORT=8001
if "%ASGI_WORKERS%"=="" set ASGI_WORKERS=1
if "%FORWARDED_ALLOW_IPS%"=="" set FORWARDED_ALLOW_IPS=127.0.0.1
.venv\Scripts\uvicorn project.asgi:application --host %HOST% --port %PORT% --workers %ASGI_WORKERS% --ws websockets --ws-max-size 65536 --no-access-log --proxy-headers --forwarded-allow-ips %FORWARDED_ALLOW_IPS%
