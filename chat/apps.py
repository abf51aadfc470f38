from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    # Its receivers (a booking opens a conversation) are connected in
    # chat.registrations, which core loads when the apps are ready.
    name = "chat"
    verbose_name = _("Mensajes")
