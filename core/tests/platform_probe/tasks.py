from celery import shared_task
from django.core.cache import cache


@shared_task(name="platform_probe.heartbeat")
def heartbeat(beat: int) -> None:
    cache.set("platform-probe:last-beat", beat)
