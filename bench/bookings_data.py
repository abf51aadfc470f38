"""The data `python -m bench bookings` writes and the in-process part of it,
run by the bench in a subprocess with the server's environment:

  python -m bench.bookings_data seed LISTINGS GUESTS CONTENDED
      100 hosts, GUESTS guests with API tokens, LISTINGS published listings
      for the uncontended load and CONTENDED more (one per contended round),
      none booked; prints `BOOKINGS_DATA {...}` (tokens, listing ids, the
      server's today).
  python -m bench.bookings_data expiry-seed ROWS
      ROWS bookings pending payment whose deadline has passed, each with its
      OccupiedRange (kind booking, booking set), spread over the listings,
      one night each, after every night already taken so that none overlaps;
      by COPY, then VACUUM ANALYZE; prints `EXPIRY_SEEDED {...}`.
  python -m bench.bookings_data expire
      PostgreSQL's plan of the sweep's query (EXPLAIN ANALYZE, in a
      transaction rolled back), then `bookings_expire_unpaid()` called until
      it returns 0, as the Celery task bookings.expire_unpaid does, timed;
      prints `EXPIRY {...}` (rows, seconds, batches, queries, time in
      queries).
  python -m bench.bookings_data counts
      prints `COUNTS {...}`: bookings by status, occupied ranges,
      notifications and webhook events."""

from __future__ import annotations

import datetime
import json
import os
import random
import secrets
import sys
import time

import django

from bench.cpu import process_seconds
from bench.search_data import copy_rows
from core.middleware import QueryCounter

HOSTS = 100
SEED = 20261130
BATCH = 5000


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()


def seed(listings: int, guests: int, contended: int) -> int:
    _setup()
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from bookings.models import Listing
    from core.models import ApiToken, City, Currency, User
    from core.services.api_tokens import api_token_digest
    from core.text import search_key

    rng = random.Random(SEED)
    now = timezone.now()
    password = make_password(None)
    cities = list(City.objects.order_by("-population", "id").values_list("id", "latitude", "longitude")[:50])
    currency = Currency.objects.get(code="PEN")
    with transaction.atomic():
        hosts = User.objects.bulk_create(
            User(username=f"bench-host-{n}", email=f"bench-host-{n}@travelhub.local", role="host", password=password)
            for n in range(HOSTS)
        )
        people = User.objects.bulk_create(
            (
                User(
                    username=f"bench-guest-{n}",
                    email=f"bench-guest-{n}@travelhub.local",
                    role="guest",
                    password=password,
                    preferred_language=rng.choice(["es", "es", "en"]),
                )
                for n in range(guests)
            ),
            batch_size=BATCH,
        )
        keys = [secrets.token_hex(20) for _person in people]
        ApiToken.objects.bulk_create(
            (
                ApiToken(
                    user=person,
                    digest=api_token_digest(key),
                    prefix=key[:8],
                    name="bench",
                    expires_at=now + datetime.timedelta(days=30),
                )
                for person, key in zip(people, keys, strict=True)
            ),
            batch_size=BATCH,
        )
        rows = []
        for number in range(listings + contended):
            city_id, latitude, longitude = rng.choice(cities)
            title = f"Departamento {number} cerca del parque"
            rows.append(
                Listing(
                    host=hosts[number % HOSTS],
                    title=title,
                    description="Luminoso, tranquilo, cerca del metro.",
                    city_id=city_id,
                    latitude=round(float(latitude) + rng.uniform(-0.05, 0.05), 6),
                    longitude=round(float(longitude) + rng.uniform(-0.05, 0.05), 6),
                    max_guests=4,
                    currency=currency,
                    nightly_price=rng.randint(40, 400),
                    weekend_price=rng.choice([None, rng.randint(60, 450)]),
                    cleaning_fee=rng.choice([0, 20, 35]),
                    min_nights=1,
                    max_nights=30,
                    cancellation_policy=rng.choice(["flexible", "moderate", "strict"]),
                    status=Listing.Status.PUBLISHED,
                    search_text=search_key(f"{title} Luminoso, tranquilo, cerca del metro."),
                    published_at=now,
                )
            )
        made = Listing.objects.bulk_create(rows, batch_size=BATCH)
        with connection.cursor() as cursor:
            # As publishing fills it: the listing's row is read whole when it is booked.
            cursor.execute(
                "UPDATE bookings_listing SET search_vector = "
                "to_tsvector('spanish', search_text) || to_tsvector('english', search_text)"
            )
    ids = [listing.pk for listing in made]
    data = {
        "today": str(timezone.localdate()),
        "tokens": keys,
        "listings": ids[:listings],
        "contended": ids[listings:],
    }
    print("BOOKINGS_DATA " + json.dumps(data))
    return 0


def expiry_seed(rows: int) -> int:
    """ROWS unpaid bookings past their deadline over the bench's listings,
    one night each, every listing's nights after the last night taken anywhere."""
    _setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from bookings.models import Booking, Listing, OccupiedRange
    from core.models import User

    started = time.monotonic()
    rng = random.Random(SEED + 1)
    now = timezone.now()
    listings = list(
        Listing.objects.filter(status=Listing.Status.PUBLISHED)
        .order_by("id")
        .values_list("id", "host_id", "currency_id", "nightly_price", "cleaning_fee", "cancellation_policy")
    )
    guests = list(User.objects.filter(username__startswith="bench-guest-").values_list("id", flat=True))
    last_night = OccupiedRange.objects.order_by("-end_date").values_list("end_date", flat=True).first()
    first_night = max(last_night or timezone.localdate(), timezone.localdate()) + datetime.timedelta(days=1)
    booking_rows, range_rows = [], []
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM bookings_booking")
        first_id = cursor.fetchone()[0] + 1
    for number in range(rows):
        listing_id, host_id, currency_id, price, cleaning, policy = listings[number % len(listings)]
        night = first_night + datetime.timedelta(days=number // len(listings))
        # Deadlines spread over the last two hours, all passed.
        deadline = now - datetime.timedelta(seconds=rng.randint(1, 7200))
        created = deadline - datetime.timedelta(minutes=30)
        service = (price * 10 / 100).quantize(price)
        nights = json.dumps([{"date": str(night), "price": f"{price:.2f}"}])
        booking_id = first_id + number
        booking_rows.append((
            booking_id, listing_id, rng.choice(guests), host_id, night, night + datetime.timedelta(days=1),
            rng.randint(1, 4), "", Booking.Status.PENDING_PAYMENT, currency_id, nights, price, cleaning, service,
            0, price + cleaning + service, policy, deadline.isoformat(), 0, created.isoformat(), created.isoformat(),
        ))  # fmt: skip
        range_rows.append((
            listing_id, night, night + datetime.timedelta(days=1), OccupiedRange.Kind.BOOKING, booking_id, "",
            created.isoformat(),
        ))  # fmt: skip
    with transaction.atomic(), connection.cursor() as cursor:
        copy_rows(cursor, "bookings_booking", [
            "id", "listing_id", "guest_id", "host_id", "check_in", "check_out", "guests", "message", "status",
            "currency_id", "nights", "subtotal", "cleaning_fee", "service_fee", "taxes", "total",
            "cancellation_policy", "payment_deadline", "refunded", "created_at", "updated_at",
        ], booking_rows)  # fmt: skip
        cursor.execute("SELECT setval('bookings_booking_id_seq', (SELECT max(id) FROM bookings_booking))")
        # Checked row by row by the exclusion constraint, as the app's own inserts are.
        copy_rows(cursor, "bookings_occupiedrange", [
            "listing_id", "start_date", "end_date", "kind", "booking_id", "note", "created_at",
        ], range_rows)  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE bookings_booking, bookings_occupiedrange")
    seeded = {
        "rows": rows,
        "listings": len(listings),
        "nights_per_listing": -(-rows // len(listings)),
        "first_night": str(first_night),
        "seconds": round(time.monotonic() - started, 1),
    }
    print("EXPIRY_SEEDED " + json.dumps(seeded))
    return 0


class _FirstSelect(Exception):
    pass


def _explain_sweep() -> str:
    """EXPLAIN ANALYZE of the first query bookings_expire_unpaid runs (the
    due batch), caught as it runs it, everything rolled back."""
    from django.db import connection, transaction

    from bookings.services.bookings import bookings_expire_unpaid

    caught = []

    def catch(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.lstrip().upper().startswith("SELECT"):
            caught.append((sql, params))
            raise _FirstSelect
        return result

    try:
        with transaction.atomic(), connection.execute_wrapper(catch):
            bookings_expire_unpaid()
    except _FirstSelect:
        pass
    if not caught:
        return "(the sweep ran no SELECT)"
    sql, params = caught[0]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    shown = sql % tuple(param if isinstance(param, int) else f"'{param}'" for param in params)
    return shown + "\n" + plan


def expire() -> int:
    _setup()
    from django.db import connection

    from bookings.services.bookings import bookings_expire_unpaid

    print("PLAN\n" + _explain_sweep() + "\nEND PLAN", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    queries = QueryCounter()
    batches = []
    # CPU of this process and of its PostgreSQL backend (same machine).
    cpu_started, backend_started = time.process_time(), process_seconds([backend])
    started = time.monotonic()
    with connection.execute_wrapper(queries):
        while True:
            batch_started = time.monotonic()
            expired = bookings_expire_unpaid()
            if not expired:
                break
            batches.append((expired, time.monotonic() - batch_started))
    seconds = time.monotonic() - started
    cpu, backend_cpu = time.process_time() - cpu_started, process_seconds([backend]) - backend_started
    rows = sum(expired for expired, _ in batches)
    times = sorted(batch_seconds for _, batch_seconds in batches) or [0.0]
    print(
        "EXPIRY "
        + json.dumps(
            {
                "rows": rows,
                "seconds": seconds,
                "batches": len(batches),
                "batch_median_s": times[len(times) // 2],
                "batch_max_s": times[-1],
                "queries": queries.count,
                "query_seconds": queries.seconds,
                "python_cpu_s": cpu,
                "postgres_cpu_s": backend_cpu,
            }
        )
    )
    return 0


def counts() -> int:
    _setup()
    from django.db.models import Count

    from bookings.models import Booking, OccupiedRange
    from core.models import Notification, WebhookEvent

    statuses = dict(Booking.objects.values_list("status").annotate(n=Count("id")).order_by())
    result = {
        "bookings": statuses,
        "occupied_ranges": OccupiedRange.objects.count(),
        "booking_ranges": OccupiedRange.objects.filter(kind=OccupiedRange.Kind.BOOKING).count(),
        "notifications": Notification.objects.count(),
        "webhook_events": WebhookEvent.objects.count(),
    }
    print("COUNTS " + json.dumps(result))
    return 0


if __name__ == "__main__":
    command, arguments = sys.argv[1], [int(value) for value in sys.argv[2:]]
    sys.exit({"seed": seed, "expiry-seed": expiry_seed, "expire": expire, "counts": counts}[command](*arguments))
