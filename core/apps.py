from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules

from core import accentless


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "TravelHub"

    def ready(self) -> None:
        # Every app's `registrations` module adds its notification kinds,
        # webhook event types, cache namespaces and periodic tasks to the
        # platform's registries, as admin.py modules do for the admin.
        autodiscover_modules("registrations")
        accentless.install()
