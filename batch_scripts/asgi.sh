#!/usr/bin/env bash
# WebSocket server: uvicorn serving project.asgi for /ws/ only (plain HTTP
# stays on batch_scripts/web.sh; route /ws/ here, README "Chat in real time").
# Run one or more, on any machines: they share REDIS_URL's channel layer.
# No access log and only warnings: the socket's API token is in its query
# string, and uvicorn writes every socket's path ("WebSocket /ws/chat/?token=…
# [accepted]") at INFO even without the access log.
# Needs DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS and AGENCY_NAME, AGENCY_TAX_ID, AGENCY_ADDRESS.
set -euo pipefail
cd "$(dirname "$0")/.."
. batch_scripts/_venv.sh requirements.txt
echo "WebSocket server on ${HOST:-0.0.0.0}:${PORT:-8001} (/ws/ only)" >&2
exec uvicorn project.asgi:application --host "${HOST:-0.0.0.0}" --port "${PORT:-8001}" \
  --workers "${ASGI_WORKERS:-1}" --ws websockets-sansio --ws-max-size 65536 --no-access-log \
  --log-level warning --proxy-headers --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}"
