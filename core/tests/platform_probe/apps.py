from django.apps import AppConfig


class PlatformProbeConfig(AppConfig):
    name = "core.tests.platform_probe"
    label = "platform_probe"
