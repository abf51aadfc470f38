"""The data `python -m bench mixed` and `python -m bench drill` read and
write, seeded once per scale and topped up before each run. Run by the bench
in a subprocess with the server's environment:

  python -m bench.mixed_data seed SCALE
      Unless this scale is already there (a marker table says so): the
      agency's books (bench.list_data: clients, sales with items and
      payments, invoices, imported tickets, all settled), the rentals
      (bench.search_data: listings and their booked or blocked nights),
      bookings for the booked ranges (confirmed, each holding its range),
      the users with API tokens (guests, the hosts of the listings, staff),
      a few webhook endpoints per host (no subscriptions: nothing is sent
      to them) and, when the chat is there, conversations and messages
      (bench.chat). Prints `MIXED_SEEDED {...}`.
  python -m bench.mixed_data prepare SCALE
      What one run needs, fresh each time: the users' tokens (their keys
      derived from the user's id, so nothing secret is stored), a pool of
      bookings pending payment with their deadline ahead (paid by the load),
      the night the load's booking creates ask for (after every night
      taken), the conversations of the WebSocket clients. Prints
      `MIXED_RUN {...}` (everything the load's data file is written from).
  python -m bench.mixed_data lag SINCE
      Notification created -> delivered for the deliveries of notifications
      created since SINCE (ISO time): `MIXED_LAG {...}` with the latencies'
      count, p50, p95, max and the deliveries not sent yet."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import random
import subprocess
import sys
import time
from dataclasses import dataclass

import django

SEED = 20261201
TOKEN_NAME = "bench-mixed"
GUEST_PREFIX = "bench-mixed-guest-"
STAFF_PREFIX = "bench-mixed-staff-"
HOST_PREFIX = "bench-host-"  # bench.search_data's hosts
WEBHOOK_URL = "https://hooks.bench.travelhub.invalid/{host}/{n}"


@dataclass(frozen=True)
class Scale:
    clients: int
    sales: int
    invoices: int
    tickets: int
    listings: int
    nights: int
    bookings: int
    users: int
    hosts: int
    staff: int
    conversations: int
    messages: int
    # Bookings pending payment made before each run, for the load to pay.
    pay_pool: int
    # Users kept connected over WebSocket, each the recipient of message sends.
    ws_clients: int

    @property
    def guests(self) -> int:
        return self.users - self.hosts - self.staff


SCALES = {
    "full": Scale(
        clients=10_000, sales=100_000, invoices=20_000, tickets=20_000, listings=100_000, nights=1_000_000,
        bookings=200_000, users=5_000, hosts=1_000, staff=100, conversations=20_000, messages=1_000_000,
        pay_pool=6_000, ws_clients=200,
    ),
    "small": Scale(
        clients=200, sales=2_000, invoices=400, tickets=1_000, listings=2_000, nights=20_000,
        bookings=4_000, users=600, hosts=100, staff=10, conversations=400, messages=20_000,
        pay_pool=500, ws_clients=50,
    ),
}  # fmt: skip


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()


def token_key(user_id: int) -> str:
    """The bench user's API token key: derived, never stored (only its digest is)."""
    return hashlib.sha256(f"bench-mixed-token-{SEED}-{user_id}".encode()).hexdigest()[:40]


# --- seed -------------------------------------------------------------------------------------


def seed(scale_name: str) -> int:
    _setup()
    from django.db import connection

    scale = SCALES[scale_name]
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_mixed_seed (scale text PRIMARY KEY, parts text[])")
        cursor.execute("SELECT parts FROM bench_mixed_seed WHERE scale = %s", [scale_name])
        row = cursor.fetchone()
    done = set(row[0]) if row else set()
    if row is None:
        with connection.cursor() as cursor:
            # Another scale's rows go: the parts below replace them.
            cursor.execute("DELETE FROM bench_mixed_seed")
            cursor.execute("INSERT INTO bench_mixed_seed VALUES (%s, '{}')", [scale_name])
    steps = [
        ("books", lambda: _books(scale)),
        ("rentals", lambda: _rentals(scale)),
        ("users", lambda: _users(scale)),
        ("bookings", lambda: _bookings(scale)),
        ("webhooks", lambda: _webhooks(scale)),
        ("chat", lambda: _chat(scale) if _chat_installed() else False),
    ]
    timings = {}
    for name, step in steps:
        if name in done:
            continue
        step_started = time.monotonic()
        if step() is False:
            continue  # not available (the chat, before it is merged)
        timings[name] = round(time.monotonic() - step_started, 1)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE bench_mixed_seed SET parts = array_append(parts, %s) WHERE scale = %s", [name, scale_name]
            )
        print(f"seeded {name} in {timings[name]} s", flush=True)
    print("MIXED_SEEDED " + json.dumps({"seconds": round(time.monotonic() - started, 1), "steps": timings}))
    return 0


def _subprocess(module: str, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, env=os.environ)
    if done.returncode != 0:
        raise SystemExit(f"{module} failed:\n{done.stdout[-2000:]}{done.stderr[-4000:]}")
    return done.stdout


def _books(scale: Scale) -> None:
    _subprocess(
        "bench.list_data",
        *("--sales", str(scale.sales), "--invoices", str(scale.invoices)),
        *("--tickets", str(scale.tickets), "--clients", str(scale.clients), "--settled-tickets"),
    )
    from django.db import connection

    with connection.cursor() as cursor:
        # Issued invoices have their PDF (core.tasks.generate_pdf made it then).
        cursor.execute(
            "UPDATE core_invoice SET pdf = 'invoices/' || to_char(issued_at, 'YYYY/MM') || '/' || id || '.pdf' "
            "WHERE pdf = ''"
        )


def _rentals(scale: Scale) -> None:
    _subprocess(
        "bench.search_data",
        *("--listings", str(scale.listings), "--nights", str(scale.nights), "--hosts", str(scale.hosts)),
    )


def _users(scale: Scale) -> None:
    """Guests and staff (the hosts are the listings'), each with an API token."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from core.models import ApiToken, User
    from core.services.api_tokens import api_token_digest

    rng = random.Random(SEED)
    password = make_password(None)
    # Users of an earlier scale stay (their sales, imports and bookings refer to them); the missing ones are made.
    existing = set(User.objects.filter(username__startswith="bench-mixed-").values_list("username", flat=True))
    with transaction.atomic():
        people = [
            User(
                username=f"{GUEST_PREFIX}{n}",
                email=f"{GUEST_PREFIX}{n}@travelhub.local",
                role="guest",
                password=password,
                preferred_language=rng.choice(["es", "es", "en"]),
            )
            for n in range(scale.guests)
        ] + [
            User(
                username=f"{STAFF_PREFIX}{n}",
                email=f"{STAFF_PREFIX}{n}@travelhub.local",
                role="staff",
                is_staff=True,
                password=password,
            )
            for n in range(scale.staff)
        ]
        User.objects.bulk_create([person for person in people if person.username not in existing], batch_size=5000)
        ids = _bench_user_ids()
        ApiToken.objects.filter(name=TOKEN_NAME).delete()
        expires = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=30)
        ApiToken.objects.bulk_create(
            (
                ApiToken(
                    user_id=user_id,
                    digest=api_token_digest(token_key(user_id)),
                    prefix=token_key(user_id)[:8],
                    name=TOKEN_NAME,
                    expires_at=expires,
                )
                for role in ids.values()
                for user_id in role
            ),
            batch_size=5000,
        )


def _bench_user_ids() -> dict[str, list[int]]:
    from core.models import User

    def ids(prefix: str) -> list[int]:
        return list(User.objects.filter(username__startswith=prefix).order_by("id").values_list("id", flat=True))

    return {"guests": ids(GUEST_PREFIX), "hosts": ids(HOST_PREFIX), "staff": ids(STAFF_PREFIX)}


def _bookings(scale: Scale) -> None:
    """Confirmed bookings for the booked ranges bench.search_data left
    without one (as many as the scale says), each holding its range."""
    from django.db import connection, transaction

    from bench.search_data import copy_rows

    rng = random.Random(SEED + 1)
    guests = _bench_user_ids()["guests"]
    now = datetime.datetime.now(datetime.UTC)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r.id, r.listing_id, l.host_id, r.start_date, r.end_date, l.currency_id, l.nightly_price, "
            "l.cleaning_fee, l.cancellation_policy FROM bookings_occupiedrange r "
            "JOIN bookings_listing l ON l.id = r.listing_id "
            "WHERE r.kind = 'booking' AND r.booking_id IS NULL ORDER BY r.id LIMIT %s",
            [scale.bookings],
        )
        ranges = cursor.fetchall()
        cursor.execute("SELECT coalesce(max(id), 0) FROM bookings_booking")
        first_id = cursor.fetchone()[0] + 1
    rows, links = [], []
    for number, (range_id, listing, host, start, end, currency, price, cleaning, policy) in enumerate(ranges):
        nights = [
            {"date": str(start + datetime.timedelta(days=day)), "price": f"{price:.2f}"}
            for day in range((end - start).days)
        ]
        subtotal = price * len(nights)
        service = (subtotal / 10).quantize(price)
        created = now - datetime.timedelta(days=rng.randint(1, 90))
        booking_id = first_id + number
        rows.append((
            booking_id, listing, rng.choice(guests), host, start, end, rng.randint(1, 4), "", "confirmed",
            currency, json.dumps(nights), subtotal, cleaning, service, 0, subtotal + cleaning + service, policy,
            (created + datetime.timedelta(minutes=30)).isoformat(), 0, created.isoformat(), created.isoformat(),
        ))  # fmt: skip
        links.append((range_id, booking_id))
    with transaction.atomic(), connection.cursor() as cursor:
        copy_rows(cursor, "bookings_booking", BOOKING_COLUMNS, rows)
        cursor.execute("SELECT setval('bookings_booking_id_seq', (SELECT max(id) FROM bookings_booking))")
        cursor.execute(
            "UPDATE bookings_occupiedrange AS r SET booking_id = v.booking "
            "FROM (SELECT unnest(%s::bigint[]) AS id, unnest(%s::bigint[]) AS booking) AS v WHERE r.id = v.id",
            [[range_id for range_id, _ in links], [booking for _, booking in links]],
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE bookings_booking, bookings_occupiedrange")


BOOKING_COLUMNS = [
    "id", "listing_id", "guest_id", "host_id", "check_in", "check_out", "guests", "message", "status",
    "currency_id", "nights", "subtotal", "cleaning_fee", "service_fee", "taxes", "total",
    "cancellation_policy", "payment_deadline", "refunded", "created_at", "updated_at",
]  # fmt: skip


def _webhooks(scale: Scale) -> None:
    """One to three endpoints per host, without subscriptions: listed, never sent to."""
    from core.models import WebhookEndpoint

    rng = random.Random(SEED + 2)
    WebhookEndpoint.objects.filter(url__startswith=WEBHOOK_URL.partition("{")[0]).delete()
    WebhookEndpoint.objects.bulk_create(
        (
            WebhookEndpoint(
                owner_id=host,
                url=WEBHOOK_URL.format(host=host, n=n),
                description=f"Integración {n}",
                secret=hashlib.sha256(f"{host}-{n}".encode()).hexdigest(),
            )
            for host in _bench_user_ids()["hosts"]
            for n in range(rng.randint(1, 3))
        ),
        batch_size=5000,
    )


def _chat_installed() -> bool:
    from django.apps import apps

    if apps.is_installed("chat"):
        return True
    print("no chat app: conversations not seeded", flush=True)
    return False


def _chat(scale: Scale) -> None:
    """Conversations between the bench's guests and the listings' hosts (one
    per guest, host and listing, as the chat opens them) and their messages,
    turn by turn, over the last sixty days; most read, a few not. By COPY."""
    from django.db import connection, transaction

    from bench.search_data import copy_rows

    rng = random.Random(SEED + 3)
    guests = _bench_user_ids()["guests"]
    now = datetime.datetime.now(datetime.UTC)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE chat_message, chat_conversation RESTART IDENTITY CASCADE")
        cursor.execute("SELECT id, host_id FROM bookings_listing ORDER BY id")
        listings = cursor.fetchall()
    per_conversation = scale.messages // scale.conversations
    seen, conversations, messages = set(), [], []
    message_id = 0
    while len(conversations) < scale.conversations:
        listing, host = rng.choice(listings)
        guest = rng.choice(guests)
        if (guest, host, listing) in seen:
            continue
        seen.add((guest, host, listing))
        number = len(conversations) + 1
        at = now - datetime.timedelta(days=60) + datetime.timedelta(minutes=rng.randint(0, 80_000))
        first = message_id + 1
        for turn in range(per_conversation):
            message_id += 1
            sender = guest if turn % 2 == 0 else host
            at += datetime.timedelta(minutes=rng.randint(1, 90))
            body = rng.choice(MESSAGE_BODIES)
            messages.append((message_id, number, sender, body, "", "", "", False, at.isoformat()))
        last = message_id
        # The guest has read everything; the host all but the last few now and then.
        host_read = last - (rng.randint(1, 3) if rng.random() < 0.2 else 0)
        conversations.append((
            number, guest, host, listing, (at - datetime.timedelta(days=1)).isoformat(), at.isoformat(), last,
            last, host_read, last, last, first - 1, first - 1, False, False,
        ))  # fmt: skip
    with transaction.atomic(), connection.cursor() as cursor:
        copy_rows(cursor, "chat_conversation", [
            "id", "guest_id", "host_id", "listing_id", "created_at", "last_message_at", "last_message_id",
            "guest_last_read_id", "host_last_read_id", "guest_last_delivered_id", "host_last_delivered_id",
            "guest_last_pushed_id", "host_last_pushed_id", "guest_archived", "host_archived",
        ], conversations)  # fmt: skip
        copy_rows(cursor, "chat_message", [
            "id", "conversation_id", "sender_id", "body", "attachment", "attachment_large", "attachment_thumb",
            "flagged_for_review", "created_at",
        ], messages)  # fmt: skip
        cursor.execute("SELECT setval('chat_conversation_id_seq', %s)", [len(conversations)])
        cursor.execute("SELECT setval('chat_message_id_seq', %s)", [message_id])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE chat_conversation, chat_message")


MESSAGE_BODIES = [
    "Hola, ¿el departamento tiene estacionamiento?",
    "Sí, hay una cochera incluida.",
    "¿Podemos llegar a las 10 de la noche?",
    "Claro, le dejo las llaves en la recepción.",
    "Hi! Is the place close to the beach?",
    "About ten minutes on foot.",
    "¡Gracias! Nos vemos el viernes.",
    "¿Hay agua caliente todo el día?",
]


# --- prepare ----------------------------------------------------------------------------------


def prepare(scale_name: str) -> int:
    _setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from bench.search_data import copy_rows
    from core.models import ApiToken, Notification

    scale = SCALES[scale_name]
    rng = random.Random()
    now = timezone.now()
    ids = _bench_user_ids()
    # An earlier run's notifications were sent to sinks that are gone: the
    # drill counts what this run's workers send against this run's rows.
    Notification.objects.all().delete()
    ApiToken.objects.filter(name=TOKEN_NAME).update(expires_at=now + datetime.timedelta(days=30))
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(end_date) FROM bookings_occupiedrange")
        last_night = cursor.fetchone()[0] or timezone.localdate()
        cursor.execute(
            "SELECT id, host_id, currency_id, nightly_price, cleaning_fee, cancellation_policy "
            "FROM bookings_listing WHERE status = 'published' ORDER BY id"
        )
        listings = cursor.fetchall()
        cursor.execute("SELECT coalesce(max(id), 0) FROM bookings_booking")
        first_id = cursor.fetchone()[0] + 1
    # Every listing is free from this night on: the pool's bookings take it
    # on the first listings, the load's creates on the others.
    night = max(last_night, timezone.localdate()) + datetime.timedelta(days=1)
    pool, booking_rows, range_rows = [], [], []
    for number, (listing, host, currency, price, cleaning, policy) in enumerate(listings[: scale.pay_pool]):
        guest = rng.choice(ids["guests"])
        service = (price / 10).quantize(price)
        booking_id = first_id + number
        booking_rows.append((
            booking_id, listing, guest, host, night, night + datetime.timedelta(days=1), 1, "", "pending_payment",
            currency, json.dumps([{"date": str(night), "price": f"{price:.2f}"}]), price, cleaning, service, 0,
            price + cleaning + service, policy, (now + datetime.timedelta(hours=2)).isoformat(), 0,
            now.isoformat(), now.isoformat(),
        ))  # fmt: skip
        range_rows.append(
            (listing, night, night + datetime.timedelta(days=1), "booking", booking_id, "", now.isoformat())
        )
        pool.append([booking_id, guest])
    with transaction.atomic(), connection.cursor() as cursor:
        copy_rows(cursor, "bookings_booking", BOOKING_COLUMNS, booking_rows)
        cursor.execute("SELECT setval('bookings_booking_id_seq', (SELECT max(id) FROM bookings_booking))")
        copy_rows(
            cursor,
            "bookings_occupiedrange",
            ["listing_id", "start_date", "end_date", "kind", "booking_id", "note", "created_at"],
            range_rows,
        )
    # bench.search_data's listing ids follow each other: ranges say which.
    # The contended listings: a few, every create on them asks for the same nights.
    free = [row[0] for row in listings[scale.pay_pool :]]
    uncontended, contended = [free[0], free[-21]], [free[-20], free[-1]]
    data = {
        "tokens": {role: [[user, token_key(user)] for user in users] for role, users in ids.items()},
        "pay_pool": pool,
        "night": str(night),
        "listings": uncontended,
        "contended": contended,
        "first_listing": listings[0][0],
        "last_listing": listings[-1][0],
        "cities": _cities(),
        "today": str(timezone.localdate()),
        "conversations": _conversations(scale, ids) if _chat_installed() else {},
        "started_at": now.isoformat(),
    }
    print("MIXED_RUN " + json.dumps(data))
    return 0


def _cities() -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT city_id FROM bookings_listing GROUP BY city_id ORDER BY count(*) DESC LIMIT 50")
        return [row[0] for row in cursor.fetchall()]


def _conversations(scale: Scale, ids: dict[str, list[int]]) -> dict:
    """Who reads and writes which conversations: the --ws-clients users kept
    connected are hosts, the recipients of every message sent (by the guests
    of their conversations); inbox and timeline readers are any participants."""
    from django.db import connection

    rng = random.Random(SEED + 4)
    with connection.cursor() as cursor:
        cursor.execute("SELECT host_id FROM chat_conversation GROUP BY host_id ORDER BY count(*) DESC, host_id")
        hosts = [row[0] for row in cursor.fetchall()]
        if not hosts:
            return {}
        ws_hosts = hosts[: scale.ws_clients]
        cursor.execute(
            "SELECT id, guest_id, host_id FROM chat_conversation WHERE host_id = ANY(%s) ORDER BY id", [ws_hosts]
        )
        sends = [[conversation, token_key(guest), host] for conversation, guest, host in cursor.fetchall()]
        cursor.execute("SELECT id, guest_id, host_id FROM chat_conversation ORDER BY random() LIMIT 5000")
        sample = cursor.fetchall()
    return {
        "ws_users": [[host, token_key(host)] for host in ws_hosts],
        "send": sends,
        "conversations": [[c, token_key(rng.choice([guest, host]))] for c, guest, host in sample],
        "users": [[user, token_key(user)] for c, guest, host in sample[:2000] for user in (guest, host)],
    }


# --- lag --------------------------------------------------------------------------------------


def lag(since: str) -> int:
    _setup()
    from core.models import NotificationDelivery

    deliveries = NotificationDelivery.objects.filter(notification__created_at__gte=since)
    latencies = sorted(
        (sent - created).total_seconds() * 1000
        for sent, created in deliveries.filter(status="sent").values_list("sent_at", "notification__created_at")
    )
    pending = deliveries.exclude(status="sent").values_list("status", flat=True)
    statuses: dict[str, int] = {}
    for status in pending:
        statuses[status] = statuses.get(status, 0) + 1
    print("MIXED_LAG " + json.dumps({"latencies_ms": latencies, "not_sent": statuses}))
    return 0


# --- tickets ----------------------------------------------------------------------------------


def tickets(action: str) -> int:
    """`sweep`: the stale-import sweep as it will run once today's imports
    are stale (its clock moved STALE_PROCESSING_AFTER on), then the count;
    `count`: imports not settled. Prints `TICKETS {...}`."""
    _setup()
    from django.utils import timezone

    from core.models import ImportedTicket
    from core.services.ticket_import import STALE_PROCESSING_AFTER, ticket_imports_requeue_stale

    requeued = 0
    if action == "sweep":
        requeued = ticket_imports_requeue_stale(now=timezone.now() + STALE_PROCESSING_AFTER)
    unsettled = ImportedTicket.objects.filter(status__in=["pending", "processing"]).count()
    print("TICKETS " + json.dumps({"requeued": requeued, "unsettled": unsettled}))
    return 0


# --- invariants -------------------------------------------------------------------------------


def invariants(sinks: str) -> int:
    """bench.invariants over the database and the sinks the workers sent to
    (JSON: push_file, email_dir); prints `INVARIANTS {...}`."""
    _setup()
    from pathlib import Path

    from bench.invariants import invariants_check

    paths = json.loads(sinks)
    report = invariants_check(push_file=Path(paths["push_file"]), email_dir=Path(paths["email_dir"]))
    counts = {name: report.count(name) for name in report.violations}
    print("INVARIANTS " + json.dumps({"ok": report.ok, "lines": report.lines(), "counts": counts}))
    return 0


if __name__ == "__main__":
    command, argument = sys.argv[1], sys.argv[2]
    sys.exit(
        {"seed": seed, "prepare": prepare, "lag": lag, "tickets": tickets, "invariants": invariants}[command](argument)
    )
