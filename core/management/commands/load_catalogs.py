import argparse
import time

from django.core.management.base import BaseCommand, CommandError

from core.cache import invalidate_catalogs
from core.services.catalog_loading import CATALOGS, LOADERS, CatalogDataError


def catalog_list(value: str) -> list[str]:
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = set(names) - set(CATALOGS)
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
            default=list(CATALOGS),
            help=f"comma-separated catalogs to load, of: {','.join(CATALOGS)} (default: all)",
        )

    def handle(self, *args, only: list[str], **options):
        started = time.monotonic()
        for name in CATALOGS:
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
        invalidate_catalogs(*CATALOGS)
        self.stdout.write(self.style.SUCCESS(f"Catalogs loaded in {time.monotonic() - started:.1f} s"))
