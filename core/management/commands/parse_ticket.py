"""Print the normalized record(s) of one e-ticket document.

    python manage.py parse_ticket PATH --json

Prints a JSON object for a single-ticket document and a list for a document holding
several tickets (what the shared corpus scorer expects). A record read only in part
(a layout no parser knows, or a known one missing a part) is printed with
`"status": "needs_review"` and `missing`, the fields it lacks; complete records are
printed as parsed. Airports printed by name get their IATA codes from the airports
catalog, or from airportsdata when no catalog is loaded: it needs no database.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.selectors.catalogs import ticket_airport_table
from core.ticket_parser import TicketParseError, parse_document


class Command(BaseCommand):
    help = "Parse an airline e-ticket (.eml, .txt, .html, .pdf) and print its normalized record(s)."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="document to parse")
        parser.add_argument("--json", action="store_true", help="print compact JSON (the default is indented)")

    def handle(self, *args, **options) -> None:
        path = Path(options["path"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from exc
        try:
            records = parse_document(data, path.name, airports=ticket_airport_table())
        except TicketParseError as exc:
            raise CommandError(str(exc)) from exc
        for record in records:
            if record.get("missing"):
                record["status"] = "needs_review"
        payload = records[0] if len(records) == 1 else records
        indent = None if options["json"] else 2
        self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=indent))
