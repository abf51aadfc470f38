"""Importing e-tickets through /api/boletos-importados/: upload, parse, sale
item, corrections, retry, receipt PDF, permissions and the list's budget."""

import json
import random
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import Airport, Client, Country, ImportedTicket, Sale, SaleItem, TicketSegment
from core.services import ticket_import
from core.tasks import process_ticket_async
from core.tests.factories import (
    CurrencyFactory,
    ImportedTicketFactory,
    TicketSegmentFactory,
    UserFactory,
)
from core.tests.ticket_parser.test_hostile_documents import pdf_of_nested_forms

CORPUS = Path(__file__).parents[1] / "ticket_parser" / "corpus"
DOCUMENTS = sorted(p for p in CORPUS.iterdir() if p.suffix in {".eml", ".txt", ".html", ".pdf"})
LAYOUTS = Path(__file__).parents[1] / "ticket_parser" / "layouts"
URL = "/api/boletos-importados/"

INVOICE_TEXT = """FACTURA N. 000123
Cliente: Comercial Los Andes C.A.   RIF J-12345678-9
Descripcion                      Cant   Precio     Total
Servicio de consultoria            1    150.00    150.00
TOTAL                                             174.00
"""
NEWSLETTER_HTML = b"""<!DOCTYPE html><html><head><title>Ofertas</title></head>
<body><h1>Vuela este verano</h1><p>Descubre nuestros destinos: Caracas, Madrid.</p></body></html>"""


@pytest.fixture
def currencies(db):
    # VEF (the bolivar fuerte, retired in 2018) is what the 2014 Amadeus tickets are priced in.
    for code in ("USD", "VES", "VEF", "PEN"):
        CurrencyFactory(code=code, name_es=code, name_en=code, symbol="", minor_units=2)


def expected_records(document: Path) -> list[dict]:
    data = json.loads(document.with_suffix(".expected.json").read_text(encoding="utf-8"))
    return data if isinstance(data, list) else [data]


def priced(record: dict) -> bool:
    """Whether the document prints what selling the ticket takes: fare, total and currency."""
    return all(record.get(field) not in (None, "") for field in ("fare", "total", "currency"))


def upload(client, data: bytes, name: str = "boleto.eml"):
    return client.post(URL, {"file": SimpleUploadedFile(name, data)}, format="multipart")


def import_file(client, capture, path: Path) -> dict:
    """Upload a file and run the worker's part (the tasks run in-process)."""
    with capture(execute=True):
        response = upload(client, path.read_bytes(), path.name)
    assert response.status_code == 202, response.content
    return response.json()


# --- Every dev document ------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("document", DOCUMENTS, ids=[p.name for p in DOCUMENTS])
def test_every_corpus_document_becomes_tickets_sold_when_priced_and_to_review_when_not(
    staff_client, currencies, django_capture_on_commit_callbacks, document
):
    records = expected_records(document)

    import_file(staff_client, django_capture_on_commit_callbacks, document)

    tickets = list(ImportedTicket.objects.order_by("position"))
    assert [ticket.ticket_number for ticket in tickets] == [record["ticket_number"] for record in records]
    assert len({ticket.document_id for ticket in tickets}) == 1
    assert all(ticket.segments.exists() for ticket in tickets)
    for ticket, record in zip(tickets, records, strict=True):
        if priced(record):
            assert ticket.status == ImportedTicket.Status.PARSED
            assert SaleItem.objects.filter(imported_ticket=ticket).exists()
            assert ticket.pdf
        else:
            # An itinerary without a fare block: not sold at 0.00, listed for staff to complete.
            assert ticket.status == ImportedTicket.Status.NEEDS_REVIEW
            assert ticket.missing_fields == ["fare", "total", "currency"]
            assert not SaleItem.objects.filter(imported_ticket=ticket).exists()
            assert not ticket.pdf


# --- Not tickets -------------------------------------------------------------------------


def _noise_text(size: int) -> bytes:
    rng = random.Random(5)
    return bytes(rng.choice(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 :/.-\n") for _ in range(size))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "vacío"),
        (b"   \n\n ", "vacío"),
        (bytes(range(256)) * 64, "binarios"),
        (random.Random(7).randbytes(10 * 1024 * 1024), "binarios"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "imagen PNG"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 100, "imagen JPEG"),
        (b"PK\x03\x04" + b"\x00" * 100, "ZIP"),
    ],
    ids=["empty", "blank", "binary", "10mb-random-bytes", "png", "jpeg", "zip"],
)
def test_files_that_are_not_documents_are_refused_at_once(staff_client, data, reason):
    started = time.perf_counter()

    response = upload(staff_client, data, "boleto.pdf")

    assert time.perf_counter() - started < 2
    assert response.status_code == 400
    assert reason in response.json()["detail"]
    assert response.json()["errors"]["file"]
    assert not ImportedTicket.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (INVOICE_TEXT.encode(), "Formato desconocido"),
        (NEWSLETTER_HTML, "Formato desconocido"),
        (b"%PDF-1.7\n garbage that is not a PDF", "Archivo ilegible"),
        (b"PASSENGER ITINERARY RECEIPT\nBOOKING REF.: C1/ABCDEF\n  FROM/TO  FLIGHT\nTOTAL : USD 10.00\n", "número"),
        (_noise_text(10 * 1024 * 1024), "Formato desconocido"),
    ],
    ids=["invoice", "newsletter", "broken-pdf", "ticket-without-number", "10mb-text-noise"],
)
def test_documents_that_are_not_tickets_end_in_a_readable_error(
    staff_client, currencies, django_capture_on_commit_callbacks, data, reason
):
    started = time.perf_counter()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(staff_client, data, "documento.txt")

    assert time.perf_counter() - started < 2
    assert response.status_code == 202
    detail = staff_client.get(f"{URL}{response.json()['id']}/").json()
    assert detail["status"] == "error"
    assert reason in detail["error"]
    assert detail["record"] is None
    assert not SaleItem.objects.exists()


def test_a_document_slower_than_the_parse_budget_ends_in_a_readable_error(
    staff_client, currencies, django_capture_on_commit_callbacks, settings
):
    # given: a PDF that takes seconds to read, and a budget of 0.2 s
    settings.TICKET_PARSE_TIMEOUT_SECONDS = 0.2

    # when
    started = time.perf_counter()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(staff_client, pdf_of_nested_forms(), "lento.pdf")

    # then: the worker gave up after the budget and the row says why
    assert time.perf_counter() - started < 2
    detail = staff_client.get(f"{URL}{response.json()['id']}/").json()
    assert detail["status"] == "error"
    assert "superó el límite de 0.2 segundos" in detail["error"]
    assert detail["record"] is None


# --- Upload rules ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_file_over_ten_megabytes_is_a_413(staff_client):
    response = upload(staff_client, b"A" * (10 * 1024 * 1024 + 1), "grande.txt")

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert "10 MB" in response.json()["detail"]
    assert not ImportedTicket.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [{}, {"text": "KIU", "file": SimpleUploadedFile("a.txt", b"KIU")}],
    ids=["nothing", "both"],
)
def test_upload_needs_exactly_one_of_file_or_text(staff_client, body):
    response = staff_client.post(URL, body, format="multipart")

    assert response.status_code == 400
    assert response.json()["errors"]["file"]


@pytest.mark.django_db
def test_pasted_text_is_imported_and_answered_pending(staff_client, currencies):
    text = (CORPUS / "094_amadeus.txt").read_text(encoding="utf-8")

    response = staff_client.post(URL, {"text": text}, format="json")

    # Without a commit the worker has not run yet: the row is stored, pending.
    assert response.status_code == 202
    assert response.json()["status"] == "pending"
    ticket = ImportedTicket.objects.select_related("document").get()
    assert ticket.document.content_type == "text/plain"
    assert ticket.document.text == text


@pytest.mark.django_db
def test_the_type_is_read_from_the_content_not_the_name(staff_client, django_capture_on_commit_callbacks):
    data = (CORPUS / "001_kiu.eml").read_bytes()

    with django_capture_on_commit_callbacks(execute=False):
        upload(staff_client, data, "foto.png")

    ticket = ImportedTicket.objects.select_related("document").get()
    assert ticket.document.content_type == "message/rfc822"
    assert ticket.document.original_name == "foto.png"
    assert ticket.document.size == len(data)


# --- One row per ticket number -----------------------------------------------------------


@pytest.mark.django_db
def test_importing_the_same_file_twice_links_the_repeat_and_sells_once(
    staff_client, currencies, django_capture_on_commit_callbacks
):
    path = CORPUS / "007_kiu.eml"

    first = import_file(staff_client, django_capture_on_commit_callbacks, path)
    second = import_file(staff_client, django_capture_on_commit_callbacks, path)

    original = staff_client.get(f"{URL}{first['id']}/").json()
    repeat = staff_client.get(f"{URL}{second['id']}/").json()
    assert original["duplicate_of"] is None
    assert repeat["duplicate_of"] == original["id"]
    assert repeat["status"] == "parsed"
    assert repeat["sale_item"] is None
    assert original["sale_item"] is not None
    assert SaleItem.objects.count() == 1
    assert ImportedTicket.objects.filter(ticket_number="0520270619934", duplicate_of__isnull=True).count() == 1


@pytest.mark.django_db
def test_running_the_task_again_changes_nothing(staff_client, currencies, django_capture_on_commit_callbacks):
    ticket_id = import_file(staff_client, django_capture_on_commit_callbacks, CORPUS / "104_airline_web.eml")["id"]

    with django_capture_on_commit_callbacks(execute=True):
        process_ticket_async(ticket_id)
        process_ticket_async(ticket_id)

    assert ImportedTicket.objects.count() == 4
    assert SaleItem.objects.count() == 4
    assert ImportedTicket.objects.get(pk=ticket_id).attempts == 1


@pytest.mark.django_db
def test_a_multi_passenger_document_gives_sibling_rows(staff_client, currencies, django_capture_on_commit_callbacks):
    ticket_id = import_file(staff_client, django_capture_on_commit_callbacks, CORPUS / "104_airline_web.eml")["id"]

    tickets = list(ImportedTicket.objects.order_by("position"))
    assert tickets[0].pk == ticket_id
    assert [ticket.position for ticket in tickets] == [0, 1, 2, 3]
    assert len({ticket.document_id for ticket in tickets}) == 1
    # Four passengers without a printed document: four clients, one draft sale each.
    assert Client.objects.count() == 4
    assert all(client.document_number.startswith("SD-") for client in Client.objects.all())


@pytest.mark.django_db
def test_tickets_of_one_passenger_share_a_client_and_a_draft_sale(
    staff_client, currencies, django_capture_on_commit_callbacks
):
    # 007 and 030 are two tickets of the same passenger (document BD022890), both in VES.
    import_file(staff_client, django_capture_on_commit_callbacks, CORPUS / "007_kiu.eml")
    import_file(staff_client, django_capture_on_commit_callbacks, CORPUS / "030_kiu.eml")

    client = Client.objects.get()
    assert client.document_number == "BD022890"
    assert client.document_type == Client.DocumentType.PASSPORT
    assert client.name == "Roberto Cordero"
    sale = Sale.objects.get()
    assert sale.status == Sale.Status.DRAFT
    assert sale.currency.code == "VES"
    assert sale.items.count() == 2
    assert sale.total == Decimal("24050.01") + Decimal("25089.47")


@pytest.mark.django_db
def test_the_sale_item_is_priced_at_the_printed_total(staff_client, currencies, django_capture_on_commit_callbacks):
    import_file(staff_client, django_capture_on_commit_callbacks, CORPUS / "007_kiu.eml")

    item = SaleItem.objects.select_related("product", "sale__client").get()
    assert item.product.kind == "air_ticket"
    assert item.unit_price == Decimal("11327.77")
    assert item.tax_amount == Decimal("12722.24")
    assert item.total == Decimal("24050.01")
    # Places printed by name are shown by the codes the airports catalog gives them.
    assert item.description.startswith("Boleto 0520270619934 · CORDERO/ROBERTO · MAR–CCS")
    assert item.sale.client.document_type == Client.DocumentType.PASSPORT


@pytest.mark.django_db
def test_a_layout_no_parser_knows_is_imported_for_review_with_what_it_prints(
    staff_client, currencies, django_capture_on_commit_callbacks
):
    import_file(staff_client, django_capture_on_commit_callbacks, LAYOUTS / "210_unknown.txt")

    ticket = ImportedTicket.objects.get()
    assert ticket.status == ImportedTicket.Status.NEEDS_REVIEW
    assert ticket.missing_fields == ["fare"]
    assert (ticket.ticket_number, ticket.pnr, ticket.passenger_name) == (
        "9962101234567",
        "ZPQ7RM",
        "ROJAS PEREZ/CAMILA",
    )
    assert (ticket.total, ticket.fare) == (Decimal("1210.50"), None)
    assert [s.flight_number for s in ticket.segments.order_by("position")] == ["072", "071"]
    assert not SaleItem.objects.filter(imported_ticket=ticket).exists()


@pytest.mark.django_db
def test_places_printed_by_name_get_their_codes_from_the_airports_catalog(
    staff_client, currencies, django_capture_on_commit_callbacks
):
    venezuela = Country.objects.create(code="VE", alpha3="VEN", name_es="Venezuela", name_en="Venezuela")
    Airport.objects.create(iata_code="CCS", name="Simón Bolívar International", city_name="Caracas", country=venezuela)

    import_file(staff_client, django_capture_on_commit_callbacks, CORPUS / "007_kiu.eml")

    segment = TicketSegment.objects.get()
    # Caracas is in the catalog; Maracaibo is not, so it stays a name (no code is guessed).
    assert (segment.origin, segment.origin_code) == ("MARACAIBO", "")
    assert (segment.destination, segment.destination_code) == ("CARACAS", "CCS")


@pytest.mark.django_db
def test_an_exchange_links_to_the_ticket_it_replaces_and_sells_the_collection(
    staff_client, currencies, django_capture_on_commit_callbacks
):
    original = ImportedTicketFactory(ticket_number="7820340765620")

    ticket_id = import_file(staff_client, django_capture_on_commit_callbacks, CORPUS / "006_kiu.eml")["id"]

    detail = staff_client.get(f"{URL}{ticket_id}/").json()
    assert detail["is_exchange"] is True
    assert detail["original_ticket_number"] == "7820340765620"
    assert detail["replaces"] == original.pk
    item = SaleItem.objects.get(imported_ticket_id=ticket_id)
    # TOTAL USD 5.00A: only the additional collection is sold again.
    assert (item.unit_price, item.tax_amount, item.total) == (Decimal("5.00"), Decimal(0), Decimal("5.00"))


@pytest.mark.django_db
def test_an_original_imported_after_its_exchange_is_linked_then(
    staff_client, currencies, django_capture_on_commit_callbacks
):
    exchange_id = import_file(staff_client, django_capture_on_commit_callbacks, CORPUS / "098_amadeus.txt")["id"]
    assert ImportedTicket.objects.get(pk=exchange_id).replaces is None
    original = ImportedTicketFactory(ticket_number="7175458159027", status=ImportedTicket.Status.PENDING)

    # The original's own import links the exchange that was waiting for it.
    ticket_import._effective_refresh(original)

    assert ImportedTicket.objects.get(pk=exchange_id).replaces_id == original.pk


@pytest.mark.django_db
def test_a_currency_missing_from_the_catalog_leaves_no_item_until_corrected(
    staff_client, currencies, django_capture_on_commit_callbacks
):
    from core.models import Currency

    Currency.objects.filter(code="VEF").delete()
    ticket_id = import_file(staff_client, django_capture_on_commit_callbacks, CORPUS / "094_amadeus.txt")["id"]
    detail = staff_client.get(f"{URL}{ticket_id}/").json()
    assert detail["status"] == "parsed"
    assert "VEF" in detail["error"]
    assert detail["sale_item"] is None

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.patch(f"{URL}{ticket_id}/", {"corrections": {"currency": "ves"}}, format="json")

    assert response.status_code == 200
    assert response.json()["sale_item"] is not None
    assert response.json()["error"] == ""
    assert response.json()["currency"] == "VES"


# --- Corrections -------------------------------------------------------------------------


@pytest.mark.django_db
def test_corrections_are_kept_apart_and_survive_a_reparse(staff_client, currencies, django_capture_on_commit_callbacks):
    ticket_id = import_file(staff_client, django_capture_on_commit_callbacks, CORPUS / "001_kiu.eml")["id"]
    first_pdf = ImportedTicket.objects.get(pk=ticket_id).pdf.read()

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.patch(
            f"{URL}{ticket_id}/",
            {"corrections": {"pnr": "zzz999", "fare": 12, "passenger_name": "bastidas ortega/samuel jose"}},
            format="json",
        )

    assert response.status_code == 200
    body = response.json()
    assert body["corrections"] == {"pnr": "ZZZ999", "fare": "12.00", "passenger_name": "BASTIDAS ORTEGA/SAMUEL JOSE"}
    assert body["record"]["pnr"] == body["pnr"] == "ZZZ999"
    assert body["parsed"]["pnr"] != "ZZZ999"
    assert body["fare"] == "12.00"
    # The receipt is drawn again (after commit) from the corrected record.
    assert staff_client.get(f"{URL}{ticket_id}/").json()["pdf_ready"] is True
    assert ImportedTicket.objects.get(pk=ticket_id).pdf.read() != first_pdf

    # A re-parse (e.g. after a parser fix) keeps the corrections on top.
    ImportedTicket.objects.filter(pk=ticket_id).update(status=ImportedTicket.Status.ERROR)
    with django_capture_on_commit_callbacks(execute=True):
        assert staff_client.post(f"{URL}{ticket_id}/retry/").status_code == 202
    again = staff_client.get(f"{URL}{ticket_id}/").json()
    assert again["status"] == "parsed"
    assert again["pnr"] == "ZZZ999"
    assert again["passenger_name"] == "BASTIDAS ORTEGA/SAMUEL JOSE"
    assert again["corrections"]["pnr"] == "ZZZ999"
    assert ImportedTicket.objects.get(pk=ticket_id).attempts == 2


@pytest.mark.django_db
def test_segment_corrections_replace_the_segments(staff_client, currencies, django_capture_on_commit_callbacks):
    ticket_id = import_file(staff_client, django_capture_on_commit_callbacks, CORPUS / "001_kiu.eml")["id"]
    segment = {"carrier": "es", "flight_number": "8352", "origin": "Maracaibo", "destination": "Caracas"}
    segment |= {"departure_date": "2025-11-07", "departure_time": "06:30"}

    response = staff_client.patch(f"{URL}{ticket_id}/", {"corrections": {"segments": [segment]}}, format="json")

    assert response.status_code == 200
    (shown,) = response.json()["segments"]
    assert (shown["carrier"], shown["origin"], shown["arrival_time"]) == ("ES", "MARACAIBO", None)
    assert TicketSegment.objects.filter(ticket_id=ticket_id).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("corrections", "field"),
    [
        ({"colour": "red"}, "corrections.colour"),
        ({"format": "sabre"}, "corrections.format"),
        ({"issue_date": "06/11/2025"}, "corrections.issue_date"),
        ({"fare": "doce"}, "corrections.fare"),
        ({"fare": "-1"}, "corrections.fare"),
        ({"ticket_number": "123"}, "corrections.ticket_number"),
        ({"currency": "DOLARES"}, "corrections.currency"),
        ({"is_exchange": "yes"}, "corrections.is_exchange"),
        ({"segments": []}, "corrections.segments"),
        ({"segments": [{"carrier": "ES", "gate": "4"}]}, "corrections.segments"),
        ({"taxes": [{"code": "YN"}]}, "corrections.taxes"),
        ({}, "corrections"),
    ],
)
def test_bad_corrections_are_refused_and_change_nothing(
    staff_client, currencies, django_capture_on_commit_callbacks, corrections, field
):
    ticket_id = import_file(staff_client, django_capture_on_commit_callbacks, CORPUS / "001_kiu.eml")["id"]

    response = staff_client.patch(f"{URL}{ticket_id}/", {"corrections": corrections}, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert ImportedTicket.objects.get(pk=ticket_id).corrections == {}


@pytest.mark.django_db
def test_only_parsed_tickets_are_corrected(staff_client):
    ticket = ImportedTicketFactory(status=ImportedTicket.Status.ERROR)

    response = staff_client.patch(f"{URL}{ticket.pk}/", {"corrections": {"pnr": "ABC123"}}, format="json")

    assert response.status_code == 409


# --- Retry -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_only_failed_imports_are_retried(staff_client):
    parsed = ImportedTicketFactory()

    assert staff_client.post(f"{URL}{parsed.pk}/retry/").status_code == 409
    assert staff_client.post(f"{URL}999999/retry/").status_code == 404


@pytest.mark.django_db
def test_a_failed_import_is_retried(staff_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket_id = staff_client.post(URL, {"text": INVOICE_TEXT}, format="json").json()["id"]
    assert ImportedTicket.objects.get(pk=ticket_id).status == ImportedTicket.Status.ERROR

    response = staff_client.post(f"{URL}{ticket_id}/retry/")

    assert response.status_code == 202
    assert response.json()["status"] == "pending"
    assert response.json()["error"] == ""


# --- Receipt PDF -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_receipt_is_served_once_made(staff_client, currencies, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        ticket_id = upload(staff_client, (CORPUS / "055_sabre.txt").read_bytes()).json()["id"]

    pending = staff_client.get(f"{URL}{ticket_id}/pdf/")
    assert pending.status_code == 202
    assert pending["Retry-After"] == "2"
    assert pending.json()["code"] == "pdf_pending"

    with django_capture_on_commit_callbacks(execute=True):
        ticket_import.ticket_process(ticket_id=ticket_id)
        ticket_import.ticket_document_finish(ticket_id=ticket_id)
    response = staff_client.get(f"{URL}{ticket_id}/pdf/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert 'filename="boleto-2307543965526.pdf"' in response["Content-Disposition"]
    assert ticket_import.ticket_receipt_pdf_generate(ticket_id=ticket_id) is False


@pytest.mark.django_db
def test_a_failed_import_has_no_receipt(staff_client):
    ticket = ImportedTicketFactory(status=ImportedTicket.Status.ERROR)

    response = staff_client.get(f"{URL}{ticket.pk}/pdf/")

    assert response.status_code == 409
    assert staff_client.get(f"{URL}999999/pdf/").status_code == 404


# --- Permissions -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [("get", URL), ("post", URL), ("get", f"{URL}1/"), ("patch", f"{URL}1/"), ("post", f"{URL}1/retry/")],
)
def test_tickets_are_for_staff_only(api_client, guest_client, method, path):
    ImportedTicketFactory(id=1)
    host = UserFactory(role="host")

    assert getattr(api_client, method)(path).status_code == 401
    assert getattr(guest_client, method)(path).status_code == 403
    api_client.force_authenticate(host)
    assert getattr(api_client, method)(path).status_code == 403


# --- List --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_list_of_fifty_tickets_with_segments_takes_three_queries(staff_client, django_assert_max_num_queries):
    from core.services.sales import ItemSpec, sale_create
    from core.tests.factories import ClientFactory, ProductFactory

    currency = CurrencyFactory(code="USD")
    product = ProductFactory()
    for _ in range(50):
        ticket = ImportedTicketFactory()
        TicketSegmentFactory.create_batch(2, ticket=ticket)
        item = ItemSpec(product=product, description="x", quantity=1, unit_price=Decimal(80), imported_ticket=ticket)
        sale_create(client=ClientFactory(), currency=currency, items=[item])

    with django_assert_max_num_queries(3):
        response = staff_client.get(URL)

    results = response.json()["results"]
    assert len(results) == 50
    assert all(len(row["segments"]) == 2 and row["client"]["name"] and row["sale"]["id"] for row in results)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=error", {"failed"}),
        ("airline=ql", {"laser"}),
        ("issued_from=2025-06-01&issued_to=2025-06-30", {"june"}),
        ("passenger=cord", {"june"}),
        ("pnr=abcdef", {"laser"}),
        ("", {"failed", "laser", "june"}),
    ],
)
def test_list_filters(staff_client, query, expected):
    names = {
        ImportedTicketFactory(status=ImportedTicket.Status.ERROR, passenger_name="").pk: "failed",
        ImportedTicketFactory(airline_code="QL", pnr="ABCDEF", passenger_name="ROMERO/ANA").pk: "laser",
        ImportedTicketFactory(issue_date="2025-06-15", passenger_name="CORDERO/ROBERTO").pk: "june",
    }

    response = staff_client.get(f"{URL}?{query}")

    assert response.status_code == 200
    assert {names[row["id"]] for row in response.json()["results"]} == expected


@pytest.mark.django_db
def test_a_missing_ticket_is_a_404(staff_client):
    assert staff_client.get(f"{URL}999999/").status_code == 404
    assert staff_client.patch(f"{URL}999999/", {"corrections": {"pnr": "X"}}, format="json").status_code == 404


# --- ticket.parsed event -----------------------------------------------------------------


@pytest.mark.django_db
def test_a_parse_writes_one_ticket_parsed_event_and_a_failure_none(
    staff_client, currencies, django_capture_on_commit_callbacks
):
    from core.models.webhooks import WebhookEvent

    ticket_id = import_file(staff_client, django_capture_on_commit_callbacks, CORPUS / "007_kiu.eml")["id"]
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(URL, {"text": INVOICE_TEXT}, format="json")

    event = WebhookEvent.objects.get()
    assert event.event_type == "ticket.parsed"
    assert event.owner is None
    assert event.payload["id"] == ticket_id
    assert event.payload["ticket_number"] == "0520270619934"
    assert event.payload["total"] == "24050.01"


@pytest.mark.django_db
def test_the_receipt_shows_itinerary_fares_and_taxes(staff_client, currencies, django_capture_on_commit_callbacks):
    from core.ticket_parser.pdf_text import pdf_to_text

    ImportedTicketFactory(ticket_number="7820340765620")
    ticket_id = import_file(staff_client, django_capture_on_commit_callbacks, CORPUS / "006_kiu.eml")["id"]

    text = pdf_to_text(ImportedTicket.objects.get(pk=ticket_id).pdf.read())

    for shown in (
        "RECIBO DE BOLETO",
        "782-0340795460",
        "REYES DE FLORES/TERESA EMILIO",
        "Canje del boleto 782-0340765620",
        "QL 907",
        "PORLAMAR",
        "21/07/2025",
        "Impuesto YN",
        "US$ 26.26",
        "US$ 5.00",
        "Forma de pago: CASH",
    ):
        assert shown in text, shown


@pytest.mark.django_db(transaction=True)
def test_an_import_whose_worker_died_is_parsed_by_the_sweep(staff_user):
    from datetime import timedelta

    from django.utils import timezone

    from core.models import ImportedTicket
    from core.services.ticket_import import ticket_import_create, ticket_imports_requeue_stale

    with_worker_dead = ticket_import_create(uploaded_by=staff_user, text="texto que no es un boleto")
    ImportedTicket.objects.filter(pk=with_worker_dead.pk).update(status="processing")

    assert ticket_imports_requeue_stale() == 0  # still within its time
    later = timezone.now() + timedelta(minutes=11)
    assert ticket_imports_requeue_stale(now=later) == 1

    with_worker_dead.refresh_from_db()
    assert with_worker_dead.status == "error"  # parsed again (eagerly, here) and found not to be a ticket
    assert with_worker_dead.error_message
