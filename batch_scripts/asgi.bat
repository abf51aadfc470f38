@echo off
rem WebSocket server: uvicorn serving project.asgi for /ws/ only (plain HTTP stays on web.bat).
rem No access log and only warnings: the socket's API token is in its query string, and uvicorn writes every socket's path at INFO.
rem Needs DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS, AGENCY_NAME, AGENCY_TAX_ID, AGENCY_ADDRESS.
cd /d "%~dp0\.."
call batch_scripts\_venv.bat requirements.txt || exit /b 1
if "%HOST%"=="" set HOST=0.0.0.0
if "%PORT%"=="" set PORT=8001
if "%ASGI_WORKERS%"=="" set ASGI_WORKERS=1
if "%FORWARDED_ALLOW_IPS%"=="" set FORWARDED_ALLOW_IPS=127.0.0.1
.venv\Scripts\uvicorn project.asgi:application --host %HOST% --port %PORT% --workers %ASGI_WORKERS% --ws websockets-sansio --ws-max-size 65536 --no-access-log --log-level warning --proxy-headers --forwarded-allow-ips %FORWARDED_ALLOW_IPS%
