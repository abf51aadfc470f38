"""The data `python -m bench chat` writes and the in-process part of it,
run by the bench in a subprocess with the server's environment:

  python -m bench.chat_data seed HOSTS GUESTS MESSAGES_EACH
      HOSTS hosts with a published listing each and GUESTS guests, all with
      API tokens; one conversation per guest and listing (HOSTS x GUESTS,
      so each host's inbox holds GUESTS conversations) and MESSAGES_EACH
      messages in each, by INSERT … SELECT generate_series (ids interleaved
      over the conversations, as real traffic makes them; one in 97
      deleted); last messages and cursors set so that half the host's
      conversations have 5 unread; then VACUUM ANALYZE. Prints
      `CHAT_DATA {...}` (tokens, a sample of conversations with a message
      id in their middle, counts, seconds).
  python -m bench.chat_data plans
      PostgreSQL's plans (EXPLAIN ANALYZE) of a host's inbox page, the
      unread badge and a timeline page."""

from __future__ import annotations

import datetime
import json
import os
import random
import secrets
import sys
import time

import django

SEED = 20261130
BATCH = 5000


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()


def seed(hosts: int, guests: int, messages_each: int) -> int:
    _setup()
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from bookings.models import Listing
    from core.models import ApiToken, City, Currency, User
    from core.services.api_tokens import api_token_digest

    started = time.monotonic()
    rng = random.Random(SEED)
    now = timezone.now()
    password = make_password(None)
    city = City.objects.order_by("-population", "id").first()
    currency = Currency.objects.get(code="PEN")
    with transaction.atomic():
        host_users = User.objects.bulk_create(
            User(username=f"bench-chat-host-{n}", email=f"bench-chat-host-{n}@travelhub.local", role="host",
                 password=password, first_name="Anfitrión", last_name=str(n))
            for n in range(hosts)
        )  # fmt: skip
        guest_users = User.objects.bulk_create(
            (
                User(username=f"bench-chat-guest-{n}", email=f"bench-chat-guest-{n}@travelhub.local", role="guest",
                     password=password, first_name="Huésped", last_name=str(n))
                for n in range(guests)
            ),
            batch_size=BATCH,
        )  # fmt: skip
        tokens = {}
        rows = []
        for person in [*host_users, *guest_users]:
            key = secrets.token_hex(20)
            tokens[person.pk] = key
            rows.append(
                ApiToken(user=person, digest=api_token_digest(key), prefix=key[:8], name="bench",
                         expires_at=now + datetime.timedelta(days=30))
            )  # fmt: skip
        ApiToken.objects.bulk_create(rows, batch_size=BATCH)
        Listing.objects.bulk_create(
            Listing(host=host, title=f"Departamento {n} del bench", description="Luminoso.", city=city,
                    latitude=city.latitude, longitude=city.longitude, max_guests=4, currency=currency,
                    nightly_price=100, cleaning_fee=0, min_nights=1, max_nights=30,
                    cancellation_policy="flexible", status=Listing.Status.PUBLISHED, published_at=now)
            for n, host in enumerate(host_users)
        )  # fmt: skip
    guest_ids = [user.pk for user in guest_users]
    host_ids = [user.pk for user in host_users]
    seeded = time.monotonic()
    with connection.cursor() as cursor:
        # A million rows take longer than a request may (DB_STATEMENT_TIMEOUT_MS).
        cursor.execute("SET statement_timeout = 0")
        cursor.execute(
            """
            INSERT INTO chat_conversation (guest_id, host_id, listing_id, created_at, last_message_at,
                guest_last_read_id, host_last_read_id, guest_last_delivered_id, host_last_delivered_id,
                guest_last_pushed_id, host_last_pushed_id, guest_archived, host_archived)
            SELECT g.id, l.host_id, l.id, now() - interval '30 days', now() - interval '30 days',
                0, 0, 0, 0, 0, 0, false, false
            FROM core_user g CROSS JOIN bookings_listing l
            WHERE g.id = ANY(%s) AND l.host_id = ANY(%s)
            ORDER BY g.id, l.id
            """,
            [guest_ids, host_ids],
        )
        conversations = cursor.rowcount
        # Round n writes the n-th message of every conversation: ids interleave
        # over conversations and grow with time, as live traffic makes them.
        cursor.execute(
            """
            INSERT INTO chat_message (conversation_id, sender_id, body, attachment, attachment_large,
                attachment_thumb, client_id, flagged_for_review, created_at, deleted_at)
            SELECT c.id, CASE WHEN n %% 3 = 0 THEN c.host_id ELSE c.guest_id END,
                'Mensaje ' || n || ': ¿a qué hora podemos llegar? Somos dos adultos y un niño.', '', '', '',
                NULL, false,
                now() - interval '29 days' + (n * %s + c.id %% %s) * interval '1 second',
                CASE WHEN (c.id + n) %% 97 = 0 THEN now() ELSE NULL END
            FROM generate_series(1, %s) AS n CROSS JOIN chat_conversation c
            ORDER BY n, c.id
            """,
            [conversations, conversations, messages_each],
        )
        messages = cursor.rowcount
        # The last message of each; the guest has read everything, the host
        # all but the last 5 messages in every other conversation.
        cursor.execute(
            """
            UPDATE chat_conversation c SET last_message_id = m.id, last_message_at = m.created_at,
                guest_last_read_id = m.id, guest_last_delivered_id = m.id,
                host_last_read_id = CASE WHEN c.id % 2 = 0 THEN m.id ELSE (
                    SELECT id FROM chat_message WHERE conversation_id = c.id ORDER BY id DESC OFFSET 5 LIMIT 1
                ) END,
                host_last_delivered_id = m.id
            FROM (
                SELECT DISTINCT ON (conversation_id) conversation_id, id, created_at
                FROM chat_message ORDER BY conversation_id, id DESC
            ) m
            WHERE m.conversation_id = c.id
            """
        )
    inserted = time.monotonic()
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE chat_message")
        cursor.execute("VACUUM ANALYZE chat_conversation")
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.id, c.host_id, c.guest_id,
                (SELECT id FROM chat_message WHERE conversation_id = c.id ORDER BY id OFFSET %s LIMIT 1)
            FROM chat_conversation c WHERE c.id %% 37 = 0 ORDER BY c.id LIMIT 500
            """,
            [messages_each // 2],
        )
        sample = [[cid, tokens[host], tokens[guest], middle] for cid, host, guest, middle in cursor.fetchall()]
    rng.shuffle(sample)
    data = {
        "host_tokens": [tokens[pk] for pk in host_ids],
        "conversations": conversations,
        "messages": messages,
        "sample": sample,
        "users_seconds": round(seeded - started, 1),
        "insert_seconds": round(inserted - seeded, 1),
        "analyze_seconds": round(time.monotonic() - inserted, 1),
    }
    print("CHAT_DATA " + json.dumps(data))
    return 0


def plans() -> int:
    _setup()
    from chat.models import Conversation
    from chat.selectors.conversations import inbox, unread_total
    from core.models import User

    host = User.objects.filter(username="bench-chat-host-0").get()
    page = inbox(user=host, size=51)
    print("-- a host's inbox, a page of 50 (+1 to know there is more):")
    print(page.explain(analyze=True))
    conversation = Conversation.objects.filter(host=host).order_by("id").first()
    messages = conversation.messages.order_by("-id")[:50]
    print("\n-- a timeline page of 50:")
    print(messages.explain(analyze=True))
    print(f"\n-- the unread badge: {unread_total(user=host)} unread for the host")
    return 0


if __name__ == "__main__":
    command, arguments = sys.argv[1], [int(value) for value in sys.argv[2:]]
    sys.exit({"seed": seed, "plans": plans}[command](*arguments))
