"""The chat's demo, made by load_demo_data after the rentals' demo."""

import pytest
from rest_framework.test import APIClient

from bookings.services.demo_data import rentals_demo_create
from bookings.tests.factories import AmenityFactory
from chat.services.demo_data import chat_demo_create
from core.models import User
from core.services.demo_data import demo_users_create
from core.tests.factories import CityFactory, CountryFactory, CurrencyFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_guest_and_host_have_conversations_with_unread_messages_once(settings):
    peru = CountryFactory(code="PE", currency=CurrencyFactory(code="PEN"))
    for name in ("Lima", "Cusco", "Trujillo"):
        CityFactory(name=name, country=peru)
    AmenityFactory(code="wifi")
    demo_users_create()
    rentals_demo_create()

    made = chat_demo_create()

    assert made == "chat demo created: 3 conversations of demo-guest with demo-host, 6 messages"
    assert chat_demo_create() is None
    host = APIClient()
    host.force_authenticate(User.objects.get(username="demo-host"))
    inbox = host.get("/api/conversations/").json()["results"]
    assert len(inbox) == 3
    assert host.get("/api/chat/unread/").json() == {"unread": 2}
