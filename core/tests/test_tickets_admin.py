import pytest

from core.models import ImportedTicket
from core.tests.factories import ImportedTicketFactory, TicketSegmentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def fifty_tickets():
    first = ImportedTicketFactory()
    for n in range(49):
        # Every other row repeats the first import, so the list shows links.
        repeat = {"duplicate_of": first, "ticket_number": first.ticket_number} if n % 2 else {}
        TicketSegmentFactory.create_batch(2, ticket=ImportedTicketFactory(**repeat))


@pytest.mark.parametrize("url", ["/admin/core/importedticket/", "/admin/core/ticketdocument/"])
def test_ticket_changelists_take_at_most_five_queries(admin_client, fifty_tickets, url, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        response = admin_client.get(url)

    assert response.status_code == 200


def test_a_ticket_page_shows_its_segments_read_only(admin_client):
    ticket = ImportedTicketFactory()
    TicketSegmentFactory(ticket=ticket, origin="MARACAIBO")

    response = admin_client.get(f"/admin/core/importedticket/{ticket.pk}/change/")

    assert response.status_code == 200
    assert b"MARACAIBO" in response.content
    assert b'name="_save"' not in response.content


def test_failed_imports_are_retried_from_the_list(admin_client, django_capture_on_commit_callbacks):
    failed = ImportedTicketFactory(status=ImportedTicket.Status.ERROR, error_message="Formato desconocido")
    parsed = ImportedTicketFactory()

    with django_capture_on_commit_callbacks(execute=False):
        response = admin_client.post(
            "/admin/core/importedticket/",
            {"action": "retry_failed_imports", "_selected_action": [failed.pk, parsed.pk]},
        )

    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == ImportedTicket.Status.PENDING
    assert ImportedTicket.objects.get(pk=parsed.pk).status == ImportedTicket.Status.PARSED
