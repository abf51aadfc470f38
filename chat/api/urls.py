from django.urls import path
from rest_framework.routers import SimpleRouter

from chat.api.views import ConversationViewSet, MessageViewSet, PresenceView, UnreadView

router = SimpleRouter()
router.register("conversations", ConversationViewSet, basename="conversation")
router.register(r"conversations/(?P<conversation_pk>[0-9]+)/messages", MessageViewSet, basename="conversation-message")

urlpatterns = [
    path("chat/unread/", UnreadView.as_view(), name="chat-unread"),
    path("chat/presence/", PresenceView.as_view(), name="chat-presence"),
    *router.urls,
]
