from celery import shared_task

from core.services.cache_warmup import warm_catalog_caches


@shared_task(name="core.warmup_cache")
def warmup_cache_task() -> dict[str, int]:
    """Fill every catalog cache; safe to run any number of times."""
    return warm_catalog_caches()
