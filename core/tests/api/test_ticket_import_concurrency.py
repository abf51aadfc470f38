"""Two workers on one ticket at once (PostgreSQL, real threads, one database
connection each): one sale item, one parse, one first import of a number, and
a price correction never lands on a sale confirmed meanwhile.

Each guarantee has a control that runs the same scenario with the guard
switched off in `core.services.ticket_import` (its named seam monkeypatched)
and shows what the guard prevents."""

import time
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction

from core.exceptions import Conflict
from core.models import ImportedTicket, Sale, SaleItem, WebhookEvent
from core.services import sales, ticket_import
from core.tests.concurrency import Outcomes, in_lockstep, run_at_once
from core.tests.factories import CurrencyFactory, UserFactory

CORPUS = Path(__file__).parents[1] / "ticket_parser" / "corpus"
Status = ImportedTicket.Status
WORKERS = 2

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_worker(tasks_held):
    # The threads play the workers; the eager task must not run it first.
    pass


# --- one sale item per ticket ----------------------------------------------------------------


@pytest.fixture
def parsed_ticket() -> ImportedTicket:
    """A KIU ticket parsed, without its sale item yet (committed: the threads see it)."""
    CurrencyFactory(code="USD")
    document = (CORPUS / "001_kiu.eml").read_bytes()

    class Upload:
        name = "001_kiu.eml"
        size = len(document)

        @staticmethod
        def read(limit: int) -> bytes:
            return document[:limit]

    ticket = ticket_import.ticket_import_create(uploaded_by=UserFactory(role="staff"), file=Upload())
    ticket_import.ticket_process(ticket_id=ticket.pk)
    return ticket


@contextmanager
def _refusals_recorded(refused: list[str]):
    """Record the constraint of every statement the database refuses on this
    thread's connection, also those the service recovers from."""

    def record(execute, sql, params, many, context):
        try:
            return execute(sql, params, many, context)
        except IntegrityError as refusal:
            refused.append(refusal.__cause__.diag.constraint_name)
            raise

    with connection.execute_wrapper(record):
        yield


def _two_workers_ensure_the_sale_item(ticket: ImportedTicket) -> tuple[Outcomes, list[str]]:
    refused: list[str] = []

    def ensure():
        with _refusals_recorded(refused):
            return ticket_import.ticket_sale_item_ensure(ticket_id=ticket.pk)

    return run_at_once([ensure] * WORKERS), refused


def test_two_workers_ensuring_the_sale_item_make_one(parsed_ticket):
    outcomes, refused = _two_workers_ensure_the_sale_item(parsed_ticket)

    assert outcomes.raised == []
    item = SaleItem.objects.get(imported_ticket=parsed_ticket)
    assert [result.pk for result in outcomes.results] == [item.pk, item.pk]
    assert Sale.objects.count() == 1
    # The second worker waited for the ticket's row and found the first one's
    # item: it never tried to sell the ticket again.
    assert "core_saleitem_imported_ticket_id_key" not in refused


def _unlocked_ticket(ticket_id: int) -> ImportedTicket | None:
    return ImportedTicket.objects.select_related("document").filter(pk=ticket_id).first()


def test_control_without_the_ticket_lock_both_workers_sell_the_ticket(parsed_ticket, monkeypatch):
    monkeypatch.setattr(ticket_import, "_locked_ticket", in_lockstep(_unlocked_ticket, parties=WORKERS))

    outcomes, refused = _two_workers_ensure_the_sale_item(parsed_ticket)

    # Both workers saw no item and both sold the ticket: only SaleItem's
    # one-to-one refused the second item, and the service then handed its
    # worker the first one's. (The lock is the first line, the database the
    # last: with either alone, the ticket is sold once.)
    assert refused.count("core_saleitem_imported_ticket_id_key") == 1
    assert outcomes.raised == []
    assert SaleItem.objects.filter(imported_ticket=parsed_ticket).count() == 1


# --- one parse per upload --------------------------------------------------------------------


@pytest.fixture
def upload() -> ImportedTicket:
    CurrencyFactory(code="VES")
    return ticket_import.ticket_import_create(
        uploaded_by=None, text=(CORPUS / "094_amadeus.txt").read_text(encoding="utf-8")
    )


def _two_workers_process(upload: ImportedTicket) -> Outcomes:
    outcomes = run_at_once([lambda: ticket_import.ticket_process(ticket_id=upload.pk)] * WORKERS)
    upload.refresh_from_db()
    return outcomes


def test_two_workers_on_one_upload_parse_it_once(upload):
    outcomes = _two_workers_process(upload)

    assert outcomes.raised == []
    assert sorted(outcomes.results) == [False, True]
    assert upload.status == Status.PARSED
    assert upload.attempts == 1
    assert WebhookEvent.objects.filter(event_type="ticket.parsed").count() == 1


def _claimable_as_read(ticket_id: int):
    # Check, then act: the claim decided on a status read before its UPDATE.
    status = ImportedTicket.objects.values_list("status", flat=True).get(pk=ticket_id)
    rows = ImportedTicket.objects.filter(pk=ticket_id)
    return rows if status in (Status.PENDING, Status.ERROR) else rows.none()


def test_control_without_the_conditional_claim_both_workers_parse(upload, monkeypatch):
    monkeypatch.setattr(ticket_import, "_claimable", in_lockstep(_claimable_as_read, parties=WORKERS))

    outcomes = _two_workers_process(upload)

    # Both claimed the row: it was parsed twice, and subscribers hear of it twice.
    assert outcomes.raised == []
    assert outcomes.results == [True, True]
    assert upload.attempts == 2
    assert WebhookEvent.objects.filter(event_type="ticket.parsed").count() == 2


# --- the same ticket in two documents --------------------------------------------------------

# The parse's transaction is short: each worker's is held open this long after
# it, so the other worker stores the same number before it commits.
HELD_OPEN_SECONDS = 0.3


@pytest.fixture
def two_uploads_of_one_ticket() -> list[ImportedTicket]:
    text = (CORPUS / "097_amadeus.txt").read_text(encoding="utf-8")
    return [ticket_import.ticket_import_create(uploaded_by=None, text=text) for _ in range(2)]


def _parse_in_a_transaction_held_open(upload: ImportedTicket):
    def parse():
        with transaction.atomic():
            ticket_import.ticket_process(ticket_id=upload.pk)
            time.sleep(HELD_OPEN_SECONDS)

    return parse


def _two_workers_parse(uploads: list[ImportedTicket]) -> list[ImportedTicket]:
    outcomes = run_at_once([_parse_in_a_transaction_held_open(upload) for upload in uploads])

    assert outcomes.raised == []
    return list(ImportedTicket.objects.order_by("id"))


def test_the_same_ticket_in_two_documents_parsed_at_once_gives_one_row_and_a_repeat(two_uploads_of_one_ticket):
    rows = _two_workers_parse(two_uploads_of_one_ticket)

    assert {row.status for row in rows} == {Status.PARSED}
    originals = [row for row in rows if row.duplicate_of_id is None]
    repeats = [row for row in rows if row.duplicate_of_id is not None]
    assert len(originals) == len(repeats) == 1
    assert repeats[0].duplicate_of_id == originals[0].pk


def test_control_without_recognising_the_repeat_one_upload_fails(two_uploads_of_one_ticket, monkeypatch):
    # The unique constraint refuses the second first import of the number;
    # without the service's recovery the refusal is an error, not a repeat.
    monkeypatch.setattr(ticket_import, "_first_import_stored_meanwhile", lambda ticket: None)

    rows = _two_workers_parse(two_uploads_of_one_ticket)

    assert sorted(row.status for row in rows) == sorted([Status.PARSED, Status.ERROR])
    failed = next(row for row in rows if row.status == Status.ERROR)
    assert failed.error_message.startswith("Error inesperado")
    assert all(row.duplicate_of_id is None for row in rows)


# --- a price correction and the sale's confirmation at once ----------------------------------


def _correction_and_confirmation_at_once(ticket: ImportedTicket) -> tuple[Outcomes, Sale]:
    """Staff correct the fare while someone confirms the ticket's sale. Returns
    the outcomes (correction, confirmation) and the sale as it ends."""
    item = ticket_import.ticket_sale_item_ensure(ticket_id=ticket.pk)
    outcomes = run_at_once(
        [
            lambda: ticket_import.ticket_correct(ticket_id=ticket.pk, corrections={"fare": "20.34", "total": "75.00"}),
            lambda: sales.sale_confirm(sale_id=item.sale_id),
        ]
    )
    return outcomes, Sale.objects.get(pk=item.sale_id)


def test_a_confirmed_sale_keeps_the_price_it_was_confirmed_at(parsed_ticket):
    outcomes, sale = _correction_and_confirmation_at_once(parsed_ticket)

    confirmed = outcomes.results[1]
    assert sale.status == Sale.Status.CONFIRMED
    # Either the correction came first and was confirmed with the sale, or it
    # came second and was refused: the price confirmed is the price kept.
    assert confirmed.total == sale.total == SaleItem.objects.get(sale=sale).total
    assert [type(error) for error in outcomes.raised] in ([], [Conflict])


def _unlocked_sale(sale_id: int) -> Sale:
    return Sale.objects.select_related("currency").get(pk=sale_id)


def test_control_without_the_sale_lock_a_correction_reprices_a_confirmed_sale(parsed_ticket, monkeypatch):
    monkeypatch.setattr(sales, "_locked_sale", in_lockstep(_unlocked_sale, parties=WORKERS))

    outcomes, sale = _correction_and_confirmation_at_once(parsed_ticket)

    # Both read the sale as a draft: it was confirmed at 65.00 and then repriced.
    assert outcomes.raised == []
    assert outcomes.results[1].total == Decimal("65.00")
    assert (sale.status, sale.total) == (Sale.Status.CONFIRMED, Decimal("75.00"))
