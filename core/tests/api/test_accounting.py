import datetime
import time
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from core.exceptions import InvalidInput
from core.models import Account, JournalEntry, JournalLine
from core.services import accounting, invoicing, sales
from core.services.accounting import (
    LineSpec,
    chart_of_accounts_load,
    journal_entry_post,
    journal_post_invoice_issued,
)
from core.tests.concurrency import Outcomes, run_at_once
from core.tests.factories import ClientFactory, CurrencyFactory, InvoiceSeriesFactory, ProductFactory

DAY = datetime.date(2026, 11, 20)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pen(db):
    return CurrencyFactory(code="PEN", minor_units=2)


@pytest.fixture
def chart(pen):
    chart_of_accounts_load()


def post(pen, *lines, day=DAY, **kwargs):
    return journal_entry_post(date=day, description="Asiento", currency=pen, lines=list(lines), **kwargs)


@pytest.mark.django_db
def test_chart_loads_once_with_parents():
    assert chart_of_accounts_load()[0] > 10
    assert chart_of_accounts_load() == (0, 0)
    assert Account.objects.get(code="40111").parent.code == "4011"


def test_manual_entry_through_the_api(staff_client, chart):
    response = staff_client.post(
        "/api/asientos-contables/",
        {
            "date": "2026-11-20",
            "description": "Aporte de capital",
            "currency": "PEN",
            "lines": [{"account": "1041", "debit": "5000"}, {"account": "501", "credit": "5000"}],
        },
        format="json",
    )

    assert response.status_code == 201
    entry = response.json()
    assert entry["total"] == "5000.00"
    assert [(line["account"], line["debit"], line["credit"]) for line in entry["lines"]] == [
        ("1041", "5000.00", "0.00"),
        ("501", "0.00", "5000.00"),
    ]


@pytest.mark.parametrize(
    "lines",
    [
        [{"account": "1041", "debit": "100"}, {"account": "501", "credit": "99.99"}],
        [{"account": "1041", "debit": "100"}],
        [{"account": "1041", "debit": "100", "credit": "100"}, {"account": "501", "credit": "0"}],
        [{"account": "9999", "debit": "1"}, {"account": "501", "credit": "1"}],
        [{"account": "1041", "debit": "-5"}, {"account": "501", "credit": "-5"}],
        [],
    ],
)
def test_unbalanced_or_malformed_entries_are_refused_where_posted(staff_client, chart, lines):
    response = staff_client.post(
        "/api/asientos-contables/",
        {"date": "2026-11-20", "description": "x", "currency": "PEN", "lines": lines},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["detail"]
    assert not JournalEntry.objects.exists()
    assert not JournalLine.objects.exists()


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_an_unbalanced_entry_at_commit(chart, pen):
    entry = post(pen, LineSpec("1041", debit=Decimal(10)), LineSpec("501", credit=Decimal(10)))

    # Code that bypasses the service and unbalances the entry...
    with pytest.raises(IntegrityError, match="unbalanced"), transaction.atomic():
        JournalLine.objects.filter(entry=entry, debit__gt=0).update(debit=Decimal(11))

    # ...and code that writes lines that do not match the entry totals.
    def write_a_one_sided_entry():
        with transaction.atomic():
            bogus = JournalEntry.objects.create(
                date=DAY, description="bogus", currency=pen, total_debit=Decimal(5), total_credit=Decimal(5)
            )
            JournalLine.objects.create(entry=bogus, account=Account.objects.get(code="1041"), debit=Decimal(5))

    with pytest.raises(IntegrityError):
        write_a_one_sided_entry()

    assert JournalEntry.objects.count() == 1
    assert JournalLine.objects.get(entry=entry, debit__gt=0).debit == Decimal(10)


def test_entry_totals_must_balance_in_the_database_on_any_engine(chart, pen):
    with pytest.raises(IntegrityError), transaction.atomic():
        JournalEntry.objects.create(
            date=DAY, description="x", currency=pen, total_debit=Decimal(5), total_credit=Decimal(4)
        )


def test_posting_for_the_same_source_twice_makes_one_entry(chart, pen):
    InvoiceSeriesFactory()
    sale = sales.sale_create(
        client=ClientFactory(),
        currency=pen,
        items=[sales.ItemSpec(ProductFactory(), "Tour", Decimal(1), Decimal(100))],
    )
    sales.sale_confirm(sale_id=sale.pk)
    invoice = invoicing.invoice_issue(sale_id=sale.pk, series_code="F001")

    again = journal_post_invoice_issued(invoice)

    assert JournalEntry.objects.filter(source="invoice_issued").count() == 1
    assert again.source_id == invoice.pk


CONCURRENT_POSTERS = 8
# Posting is one step of a longer transaction (issuing an invoice, recording a
# payment): each caller's is held open this long after posting, so the others
# post before it commits and the unique constraint has to decide.
HELD_OPEN_SECONDS = 0.2


def _post_the_same_source_at_once(pen) -> Outcomes:
    def post_in_a_longer_transaction():
        with transaction.atomic():
            entry = post(
                pen,
                LineSpec("1041", debit=Decimal(7)),
                LineSpec("1212", credit=Decimal(7)),
                source="payment_received",
                source_id=42,
            )
            time.sleep(HELD_OPEN_SECONDS)
        return entry.pk

    return run_at_once([post_in_a_longer_transaction] * CONCURRENT_POSTERS)


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_posting_for_one_source_makes_one_entry(chart, pen):
    outcomes = _post_the_same_source_at_once(pen)

    assert outcomes.raised == []
    entry = JournalEntry.objects.get(source="payment_received", source_id=42)
    assert outcomes.results == [entry.pk] * CONCURRENT_POSTERS


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_control_without_the_recovery_concurrent_posters_fail(chart, pen, monkeypatch):
    monkeypatch.setattr(accounting, "_entry_posted_meanwhile", lambda source, source_id: None)

    outcomes = _post_the_same_source_at_once(pen)

    # The posters that looked before the first one committed were refused by
    # the unique constraint, and without the recovery their callers fail.
    assert outcomes.raised
    assert all("entry_posted_once_per_source" in str(error) for error in outcomes.raised)
    assert JournalEntry.objects.filter(source="payment_received", source_id=42).count() == 1


def test_trial_balance_sums_the_period_and_balances(staff_client, chart, pen):
    post(pen, LineSpec("1041", debit=Decimal(500)), LineSpec("501", credit=Decimal(500)))
    post(
        pen,
        LineSpec("1212", debit=Decimal("118")),
        LineSpec("7041", credit=Decimal(100)),
        LineSpec("40111", credit=Decimal(18)),
    )
    post(pen, LineSpec("1041", debit=Decimal(50)), LineSpec("1212", credit=Decimal(50)))
    post(pen, LineSpec("1041", debit=Decimal(9)), LineSpec("501", credit=Decimal(9)), day=DAY.replace(year=2025))

    response = staff_client.get("/api/reportes/balance-comprobacion/?date_from=2026-01-01&date_to=2026-12-31")

    rows = {row["account"]: row for row in response.json()["rows"]}
    assert rows["1041"]["debit"] == "550.00"
    assert rows["1212"]["balance"] == "68.00"
    assert rows["7041"]["balance"] == "-100.00"
    assert sum(Decimal(row["balance"]) for row in rows.values()) == 0


def test_trial_balance_query_count_is_one(chart, pen, django_assert_num_queries):
    from core.selectors.accounting import trial_balance

    for _ in range(5):
        post(pen, LineSpec("1041", debit=Decimal(1)), LineSpec("501", credit=Decimal(1)))

    with django_assert_num_queries(1):
        rows = trial_balance(date_from=DAY, date_to=DAY)

    assert {row["account"] for row in rows} == {"1041", "501"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("", "date_from"),
        ("date_from=2026-01-01", "date_to"),
        ("date_from=2026-13-01&date_to=2026-12-31", "date_from"),
        ("date_from=2026-12-31&date_to=2026-01-01", "date_to"),
        ("desde=2026-12-31&hasta=2026-01-01", "date_to"),
    ],
)
def test_trial_balance_needs_a_valid_period(staff_client, query, field):
    response = staff_client.get(f"/api/reportes/balance-comprobacion/?{query}")

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_trial_balance_reads_the_old_parameter_names_for_one_release(staff_client, chart, pen):
    post(pen, LineSpec("1041", debit=Decimal(500)), LineSpec("501", credit=Decimal(500)))

    old = staff_client.get("/api/reportes/balance-comprobacion/?desde=2026-01-01&hasta=2026-12-31").json()
    new = staff_client.get("/api/reportes/balance-comprobacion/?date_from=2026-01-01&date_to=2026-12-31").json()

    assert old == new
    assert new["date_from"] == new["desde"] == "2026-01-01"
    assert {row["account"] for row in new["rows"]} == {"1041", "501"}


def test_trial_balance_says_in_english_which_date_is_missing(staff_client):
    response = staff_client.get("/api/reportes/balance-comprobacion/?date_from=2026-01-01", HTTP_ACCEPT_LANGUAGE="en")

    assert response.json()["errors"]["date_to"] == ["Give the last day of the period in date_to (YYYY-MM-DD)."]


def test_a_period_that_ends_before_it_starts_says_so(staff_client):
    response = staff_client.get(
        "/api/reportes/balance-comprobacion/?date_from=2026-12-31&date_to=2026-01-01", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.json()["errors"]["date_to"] == [
        "The period ends before it starts: date_to must be on or after date_from."
    ]


def test_entries_list_takes_at_most_two_queries(staff_client, chart, pen, django_assert_max_num_queries):
    for day in range(1, 56):
        post(
            pen,
            LineSpec("1212", debit=Decimal(118)),
            LineSpec("7041", credit=Decimal(100)),
            LineSpec("40111", credit=Decimal(18)),
            day=DAY - datetime.timedelta(days=day),
        )

    with django_assert_max_num_queries(2):
        response = staff_client.get("/api/asientos-contables/")

    body = response.json()
    assert body["count"] == 55
    assert len(body["results"]) == 50
    assert all(len(entry["lines"]) == 3 for entry in body["results"])
    dates = [entry["date"] for entry in body["results"]]
    assert dates == sorted(dates, reverse=True)
    second_page = staff_client.get(body["next"]).json()
    assert len(second_page["results"]) == 5


def test_service_refuses_unbalanced_entries(chart, pen):
    with pytest.raises(InvalidInput):
        post(pen, LineSpec("1041", debit=Decimal(1)), LineSpec("501", credit=Decimal(2)))
