"""The ASGI entry point, for the WebSocket endpoints (/ws/, batch_scripts/asgi.sh).

Plain HTTP is served by the WSGI server (measured several times faster
here); production routes only /ws/ to this one. HTTP reaching it anyway is
answered by Django as usual."""

import os

from channels.routing import ProtocolTypeRouter, URLRouter
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

# Sets Django up before the consumers' modules (and their models) are imported.
django_application = get_asgi_application()

from chat.routing import websocket_urlpatterns  # noqa: E402

# Sockets authenticate with an API token, never a cookie, so a page of
# another origin gains nothing by opening one: no origin check (it would
# also refuse the mobile apps, which send no Origin).
application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": URLRouter(websocket_urlpatterns),
    }
)
