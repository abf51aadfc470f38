from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.management.base import BaseCommand

from core.services.cache_warmup import warm_catalog_caches


class Command(BaseCommand):
    help = "Fill every catalog cache (both languages) and report what was cached."

    def handle(self, *args, **options):
        if isinstance(caches["default"], LocMemCache):
            # Without REDIS_URL the cache is this process's memory: what it
            # fills is gone when the command ends, and a server never sees it.
            self.stderr.write(
                self.style.WARNING(
                    "The cache is local memory (no REDIS_URL): it lives only in this command's process, so the "
                    "server will not see what is warmed here. Set REDIS_URL to share one cache between processes; "
                    "without it each server process fills its own cache as pages are asked for."
                )
            )
        warmed = warm_catalog_caches()
        for catalog, count in warmed.items():
            self.stdout.write(f"{catalog}: {count} responses cached")
        self.stdout.write(self.style.SUCCESS(f"warm-up done: {sum(warmed.values())} responses cached"))
