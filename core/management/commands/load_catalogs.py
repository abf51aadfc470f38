import argparse
import time

from django.core.management.base import BaseCommand, CommandError

from core.services.catalog_loading import LOAD_ORDER, LOADERS, CatalogDataError
from core.services.catalogs import catalog_caches_invalidate


def catalog_list(value: str) -> list[str]:
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = set(names) - set(LOAD_ORDER)
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown catalogs: {', '.join(sorted(unknown))}")
    return names


class Command(BaseCommand):
    help = (
        "Load or update the reference catalogs (currencies, countries, cities, airports, airlines) "
        "from the pinned data packages and data/. Safe to re-run: it updates, never duplicates."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--only",
            type=catalog_list,
            default=list(LOAD_ORDER),
            help=f"comma-separated catalogs to load, of: {','.join(LOAD_ORDER)} (default: all)",
        )

    def handle(self, *args, only: list[str], **options):
        started = time.monotonic()
        for name in LOAD_ORDER:
            if name not in only:
                continue
            catalog_started = time.monotonic()
            try:
                result = LOADERS[name]()
            except CatalogDataError as error:
                raise CommandError(str(error)) from error
            self.stdout.write(f"{result} ({time.monotonic() - catalog_started:.1f} s)")
        # Every catalog, not only those loaded: cached answers of one embed
        # rows of another (an airport carries its country's name).
        catalog_caches_invalidate()
        self.stdout.write(self.style.SUCCESS(f"Catalogs loaded in {time.monotonic() - started:.1f} s"))
