"""The chat's demo: the demo guest talks with the demo host about their
listings — the conversations their trips opened and one opened from a
listing — with something unread on each side. Made by `python manage.py
load_demo_data` after the rentals' demo; left alone once there."""

from bookings.models import Listing
from chat.models import Message
from chat.services.conversations import conversation_ensure
from chat.services.messages import message_send
from core.models import User

DEMO_HOST = "demo-host"
DEMO_GUEST = "demo-guest"
TALKS = [
    [
        ("guest", "¡Hola! ¿Hay estacionamiento cerca del departamento?"),
        ("host", "Hola, sí: hay una cochera pública a media cuadra, 15 soles por noche."),
        ("guest", "Perfecto, gracias. Llegamos tipo 3 pm."),
    ],
    [
        ("guest", "¿La casa tiene calefacción en todas las habitaciones?"),
        ("host", "Sí, y le dejamos mate de coca para la altura."),
    ],
    [
        ("guest", "¿Se puede llevar a una mascota pequeña?"),
    ],
]


def chat_demo_create() -> str | None:
    guest = User.objects.filter(username=DEMO_GUEST).first()
    host = User.objects.filter(username=DEMO_HOST).first()
    listings = list(Listing.objects.filter(host=host, status=Listing.Status.PUBLISHED).order_by("id")[: len(TALKS)])
    if guest is None or host is None or not listings:
        return None
    if Message.objects.filter(sender__in=[guest, host]).exists():
        return None
    for listing, talk in zip(listings, TALKS, strict=False):
        conversation, _created = conversation_ensure(guest=guest, listing=listing)
        for who, text in talk:
            message_send(user=guest if who == "guest" else host, conversation_id=conversation.pk, body=text)
    messages = sum(len(talk) for talk in TALKS[: len(listings)])
    return f"chat demo created: {len(listings)} conversations of {DEMO_GUEST} with {DEMO_HOST}, {messages} messages"
