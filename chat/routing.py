"""The WebSocket routes, served by the ASGI server (project.asgi) only."""

from django.urls import path

from chat.consumers import ChatConsumer

websocket_urlpatterns = [path("ws/chat/", ChatConsumer.as_asgi())]
