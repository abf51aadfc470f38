from django.core.management.base import BaseCommand

from core.services.cache_warmup import warm_catalog_caches


class Command(BaseCommand):
    help = "Fill every catalog cache (both languages) and report what was cached."

    def handle(self, *args, **options):
        warmed = warm_catalog_caches()
        for catalog, count in warmed.items():
            self.stdout.write(f"{catalog}: {count} responses cached")
        self.stdout.write(self.style.SUCCESS(f"warm-up done: {sum(warmed.values())} responses cached"))
