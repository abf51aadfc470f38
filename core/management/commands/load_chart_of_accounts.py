from django.core.management.base import BaseCommand

from core.services.accounting import chart_of_accounts_load


class Command(BaseCommand):
    help = "Create or update the default chart of accounts (idempotent)."

    def handle(self, *args, **options):
        created, updated = chart_of_accounts_load()
        self.stdout.write(self.style.SUCCESS(f"chart of accounts: {created} created, {updated} updated"))
