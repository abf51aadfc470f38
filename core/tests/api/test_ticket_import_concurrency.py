"""Two workers on one ticket at once (PostgreSQL, real threads, one database
connection each): one sale item, one parse — and the controls that show the
duplicate happens without the lock."""

import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import IntegrityError, close_old_connections, connection, transaction

from core.models import ImportedTicket, Sale, SaleItem
from core.services import ticket_import
from core.services.sales import ItemSpec, sale_create
from core.tests.factories import CurrencyFactory, UserFactory

CORPUS = Path(__file__).parents[1] / "ticket_parser" / "corpus"
WORKERS = 2


@pytest.fixture(autouse=True)
def _no_worker(tasks_held):
    # The threads play the workers; the eager task must not run it first.
    pass


def _run_at_once(work, times: int = WORKERS) -> list[BaseException]:
    """Run `work()` in `times` threads released together; returns the errors."""
    errors: list[BaseException] = []
    start = threading.Barrier(times)

    def worker() -> None:
        try:
            start.wait()
            work()
        except BaseException as error:  # collected and asserted on by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    close_old_connections()
    return errors


def _parsed_ticket() -> ImportedTicket:
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


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_workers_ensuring_the_sale_item_make_one():
    ticket = _parsed_ticket()
    assert not SaleItem.objects.exists()

    errors = _run_at_once(lambda: ticket_import.ticket_sale_item_ensure(ticket_id=ticket.pk))

    assert errors == []
    assert SaleItem.objects.filter(imported_ticket=ticket).count() == 1
    assert Sale.objects.count() == 1


def _sale_item_without_the_lock(ticket_id: int) -> None:
    """What a naive worker does: check, then insert, with no row lock."""
    with transaction.atomic():
        ticket = ImportedTicket.objects.get(pk=ticket_id)
        if SaleItem.objects.filter(imported_ticket=ticket).exists():
            return
        time.sleep(0.1)  # the window in which both workers see no item
        sale_create(
            client=ticket_import._passenger_client(ticket),
            currency=ticket_import._sale_currency(ticket),
            items=[
                ItemSpec(
                    product=ticket_import._air_ticket_product(),
                    description="x",
                    quantity=Decimal(1),
                    unit_price=Decimal(1),
                    imported_ticket=ticket,
                )
            ],
        )


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_control_without_the_lock_both_workers_sell_the_ticket():
    ticket = _parsed_ticket()

    errors = _run_at_once(lambda: _sale_item_without_the_lock(ticket.pk))

    # Both saw no item and both inserted one: only the one-to-one stops the second.
    assert len(errors) == 1
    assert isinstance(errors[0], IntegrityError)
    assert SaleItem.objects.count() == 1


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_upload_parse_it_once():
    CurrencyFactory(code="VES")
    ticket = ticket_import.ticket_import_create(
        uploaded_by=None, text=(CORPUS / "094_amadeus.txt").read_text(encoding="utf-8")
    )
    results: list[bool] = []

    errors = _run_at_once(lambda: results.append(ticket_import.ticket_process(ticket_id=ticket.pk)))

    assert errors == []
    assert sorted(results) == [False, True]
    ticket.refresh_from_db()
    assert ticket.status == ImportedTicket.Status.PARSED
    assert ticket.attempts == 1


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_the_same_ticket_in_two_documents_parsed_at_once_gives_one_row_and_a_repeat():
    text = (CORPUS / "097_amadeus.txt").read_text(encoding="utf-8")
    first = ticket_import.ticket_import_create(uploaded_by=None, text=text)
    second = ticket_import.ticket_import_create(uploaded_by=None, text=text)
    ids = iter([first.pk, second.pk])
    lock = threading.Lock()

    def parse_one() -> None:
        with lock:
            ticket_id = next(ids)
        ticket_import.ticket_process(ticket_id=ticket_id)

    errors = _run_at_once(parse_one)

    assert errors == []
    rows = list(ImportedTicket.objects.order_by("id"))
    assert {row.status for row in rows} == {ImportedTicket.Status.PARSED}
    originals = [row for row in rows if row.duplicate_of_id is None]
    repeats = [row for row in rows if row.duplicate_of_id is not None]
    assert len(originals) == len(repeats) == 1
    assert repeats[0].duplicate_of_id == originals[0].pk
