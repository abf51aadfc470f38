"""The data `python -m bench search` reads: 100,000 published listings of
1,000 hosts over the 200 most populous cities of the catalog (more in the
big ones), each with amenities, a processed cover photo and about ten booked
or blocked nights in the next six months (1,000,000 nights in all), some
with priced nights; plus a staff user with an API token.

Run by the bench in a subprocess with the server's environment (`python -m
bench.search_data`); prints `SEARCH_DATA {...}` (counts, cities, a listing
id range, the token) and the plans of the four searches measured. Loaded
with COPY into emptied tables, under a minute; left alone when the counts
are already right."""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import random
import sys
import time
from decimal import Decimal

import django

LISTINGS = 100_000
NIGHTS = 1_000_000
CITIES = 200
HOSTS = 1_000
STAFF_USERNAME = "bench-staff"
SEED = 20261129
WORDS_ES = ["luminoso", "acogedor", "amplio", "moderno", "céntrico", "tranquilo", "vista", "playa", "montaña",
            "terraza", "jardín", "piscina", "cerca", "metro", "parque", "histórico", "familiar", "rústico"]  # fmt: skip
WORDS_EN = ["bright", "cozy", "spacious", "modern", "central", "quiet", "view", "beach", "mountain", "terrace",
            "garden", "pool", "near", "subway", "park", "historic", "family", "rustic"]  # fmt: skip
KINDS = ["apartment", "apartment", "apartment", "house", "house", "room", "cabin", "loft", "villa", "bungalow"]
HORIZON_DAYS = 180


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    from django.db import connection

    from bookings.models import Listing, OccupiedRange
    from core.models import User
    from core.services.api_tokens import api_token_create

    staff, _ = User.objects.get_or_create(
        username=STAFF_USERNAME, defaults={"email": "bench-staff@travelhub.local", "role": "staff", "is_staff": True}
    )
    _token, key = api_token_create(user=staff, name="bench")
    started = time.monotonic()
    seeded = False
    published = Listing.objects.filter(status="published").count()
    nights = _nights(connection)
    if published != LISTINGS or nights != NIGHTS:
        _seed(connection)
        seeded = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM bookings_listing")
        first, last = cursor.fetchone()
        cursor.execute(
            "SELECT city_id, count(*) FROM bookings_listing GROUP BY city_id ORDER BY count(*) DESC, city_id"
        )
        cities = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT id, latitude, longitude FROM core_city WHERE id = ANY(%s)", [cities])
        places = {city: [float(latitude), float(longitude)] for city, latitude, longitude in cursor.fetchall()}
    data = {
        "listings": Listing.objects.count(),
        "nights": _nights(connection),
        "ranges": OccupiedRange.objects.count(),
        "cities": cities,
        "city_places": places,
        "first_listing": first,
        "last_listing": last,
        "token": key,
        "seeded": seeded,
        "seconds": round(time.monotonic() - started, 1),
    }
    print("SEARCH_DATA " + json.dumps(data))
    return 0


def _nights(connection) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(sum(end_date - start_date), 0) FROM bookings_occupiedrange")
        return cursor.fetchone()[0]


def copy_rows(cursor, table: str, columns: list[str], rows) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(r"\N" if value is None else str(value) for value in row) + "\n")
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def _seed(connection) -> None:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from bookings.models import Amenity
    from core.models import City, Currency, User
    from core.text import search_key

    rng = random.Random(SEED)
    today = timezone.localdate()
    now = timezone.now()
    cities = list(City.objects.order_by("-population", "id").values_list("id", "latitude", "longitude")[:CITIES])
    # Big cities hold more listings (a Zipf-like spread), as in life.
    weights = [1 / (rank + 5) for rank in range(len(cities))]
    currencies = dict(Currency.objects.filter(code__in=["PEN", "USD"]).values_list("code", "id"))
    amenities = list(Amenity.objects.values_list("id", flat=True))
    password = make_password(None)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE bookings_nightprice, bookings_occupiedrange, bookings_listingphoto, "
            "bookings_listing_amenities, bookings_listing RESTART IDENTITY CASCADE"
        )
    User.objects.filter(username__startswith="bench-host-").delete()
    hosts = list(
        User.objects.bulk_create(
            User(username=f"bench-host-{n}", email=f"bench-host-{n}@travelhub.local", role="host", password=password)
            for n in range(HOSTS)
        )
    )
    host_ids = [host.pk for host in hosts]
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE bookings_occupiedrange DROP CONSTRAINT IF EXISTS occupied_ranges_never_overlap")
        listing_rows, amenity_rows, photo_rows, range_rows, price_rows = [], [], [], [], []
        for listing_id in range(1, LISTINGS + 1):
            city_id, latitude, longitude = rng.choices(cities, weights)[0]
            words = rng.sample(WORDS_ES, 4) + rng.sample(WORDS_EN, 2)
            title = f"{rng.choice(KINDS).capitalize()} {words[0]} {words[1]}"
            description = " ".join(words[2:]) + "."
            price = Decimal(rng.randint(30, 600))
            weekend = price + rng.randint(10, 80) if rng.random() < 0.3 else None
            minimum = rng.choice([1, 1, 1, 2, 2, 3])
            near_latitude = f"{float(latitude) + rng.uniform(-0.08, 0.08):.6f}"
            near_longitude = f"{float(longitude) + rng.uniform(-0.08, 0.08):.6f}"
            published_at = now - datetime.timedelta(minutes=rng.randint(1, 525_600))
            listing_rows.append((
                listing_id, rng.choice(host_ids), title, description, rng.choice(KINDS), city_id, "",
                near_latitude, near_longitude,
                rng.randint(1, 8), rng.randint(0, 4), rng.randint(1, 6), rng.choice(["1.0", "1.5", "2.0"]),
                currencies["PEN"] if rng.random() < 0.7 else currencies["USD"], price, weekend,
                rng.choice([0, 20, 35, 50]), minimum, rng.choice([7, 14, 30, 60]), "15:00", "11:00",
                rng.choice(["flexible", "moderate", "strict"]), "published", search_key(f"{title} {description}"),
                now.isoformat(), now.isoformat(), published_at.isoformat(),
            ))  # fmt: skip
            for amenity_id in rng.sample(amenities, rng.randint(1, 7)):
                amenity_rows.append((listing_id, amenity_id))
            photo_rows.append((
                listing_id, f"listings/{listing_id}/cover.jpg", "image/jpeg", 250_000,
                f"listings/{listing_id}/cover-large.jpg", f"listings/{listing_id}/cover-large.webp",
                f"listings/{listing_id}/cover-thumb.jpg", f"listings/{listing_id}/cover-thumb.webp",
                1920, 1280, 0, True, "ready", "", 1, now.isoformat(), now.isoformat(),
            ))  # fmt: skip
            # Ten nights in two to four ranges over the next six months.
            lengths = _split(rng, NIGHTS // LISTINGS, rng.randint(2, 4))
            day = rng.randint(0, 20)
            for length in lengths:
                start = today + datetime.timedelta(days=day)
                kind = "booking" if rng.random() < 0.7 else "block"
                range_rows.append(
                    (listing_id, start, start + datetime.timedelta(days=length), kind, "", now.isoformat())
                )
                day += length + rng.randint(1, (HORIZON_DAYS - 20) // len(lengths) - length)
            if rng.random() < 0.2:
                for offset in rng.sample(range(HORIZON_DAYS), 5):
                    price_rows.append(
                        (listing_id, today + datetime.timedelta(days=offset), price + rng.randint(-20, 60))
                    )
        copy_rows(cursor, "bookings_listing", [
            "id", "host_id", "title", "description", "property_type", "city_id", "address", "latitude", "longitude",
            "max_guests", "bedrooms", "beds", "bathrooms", "currency_id", "nightly_price", "weekend_price",
            "cleaning_fee", "min_nights", "max_nights", "check_in_time", "check_out_time", "cancellation_policy",
            "status", "search_text", "created_at", "updated_at", "published_at",
        ], listing_rows)  # fmt: skip
        cursor.execute("SELECT setval('bookings_listing_id_seq', %s)", [LISTINGS])
        copy_rows(cursor, "bookings_listing_amenities", ["listing_id", "amenity_id"], amenity_rows)
        copy_rows(cursor, "bookings_listingphoto", [
            "listing_id", "original", "content_type", "size", "large_jpeg", "large_webp", "thumb_jpeg", "thumb_webp",
            "width", "height", "position", "is_cover", "status", "failure_reason", "attempts", "created_at",
            "processed_at",
        ], photo_rows)  # fmt: skip
        copy_rows(
            cursor,
            "bookings_occupiedrange",
            ["listing_id", "start_date", "end_date", "kind", "note", "created_at"],
            range_rows,
        )
        copy_rows(cursor, "bookings_nightprice", ["listing_id", "date", "price"], price_rows)
        # Built once over the whole table: faster than checked row by row.
        cursor.execute(
            "ALTER TABLE bookings_occupiedrange ADD CONSTRAINT occupied_ranges_never_overlap "
            "EXCLUDE USING gist (listing_id WITH =, daterange(start_date, end_date, '[)') WITH &&)"
        )
        cursor.execute(
            "UPDATE bookings_listing SET search_vector = "
            "to_tsvector('spanish', search_text) || to_tsvector('english', search_text)"
        )
        # Freshly loaded rows are not yet all-visible: index-only scans need the visibility map.
        cursor.execute("VACUUM ANALYZE bookings_listing, bookings_listing_amenities, bookings_occupiedrange")


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    cuts = sorted(rng.sample(range(1, total), parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


def explain(searches: list[dict]) -> int:
    """Print PostgreSQL's plan (EXPLAIN ANALYZE) of each search, given as the
    keyword arguments of bookings.selectors.search.SearchFilters."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    from bookings.selectors.search import SearchFilters, listing_search_query

    for search in searches:
        for name in ("check_in", "check_out"):
            if search.get(name):
                search[name] = datetime.date.fromisoformat(search[name])
        for name in ("min_price", "max_price"):
            if search.get(name) is not None:
                search[name] = Decimal(search[name])
        if search.get("bbox"):
            search["bbox"] = tuple(Decimal(value) for value in search["bbox"])
        search["amenity_ids"] = tuple(search.get("amenity_ids", ()))
        plan = listing_search_query(SearchFilters(**search)).explain(analyze=True, buffers=True)
        print(f"PLAN {json.dumps(search, default=str)}\n{plan}\nEND PLAN")
    return 0


def configure(argv: list[str]) -> None:
    """Another scale than `python -m bench search`'s (python -m bench mixed's)."""
    global LISTINGS, NIGHTS, HOSTS
    parser = argparse.ArgumentParser(prog="python -m bench.search_data")
    parser.add_argument("--listings", type=int, default=LISTINGS)
    parser.add_argument("--nights", type=int, default=NIGHTS, help="booked or blocked nights, ten a listing or so")
    parser.add_argument("--hosts", type=int, default=HOSTS)
    args = parser.parse_args(argv)
    LISTINGS, NIGHTS, HOSTS = args.listings, args.nights, args.hosts


if __name__ == "__main__":
    if sys.argv[1:2] == ["explain"]:
        sys.exit(explain(json.loads(sys.argv[2])))
    configure(sys.argv[1:])
    sys.exit(main())
