import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

# Plain HTTP is served by the WSGI server (measured several times faster here);
# this entry point exists for the WebSocket endpoints.
application = get_asgi_application()
