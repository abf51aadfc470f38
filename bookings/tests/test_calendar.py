"""A listing's calendar: each night free, booked, blocked or past, with its
price; hosts block, unblock and price nights; the answer is cached until
something in it changes; and on PostgreSQL two occupied ranges of a listing
can never overlap."""

import calendar
import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from bookings.models import OccupiedRange
from bookings.services.calendar import calendar_block, calendar_unblock, night_prices_set
from bookings.services.listings import listing_update
from bookings.tests.factories import HostFactory, ListingFactory, ReadyPhotoFactory, occupy

pytestmark = pytest.mark.django_db


@pytest.fixture
def host():
    return HostFactory()


@pytest.fixture
def host_client(host):
    client = APIClient()
    client.force_authenticate(host)
    return client


def next_month_first() -> datetime.date:
    return (timezone.localdate().replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def nights_of(response) -> dict[str, tuple[str, str]]:
    return {night["date"]: (night["status"], night["price"]) for night in response.json()["nights"]}


def test_each_night_has_its_status_and_price(api_client, host):
    first = next_month_first()
    friday = first + datetime.timedelta(days=(4 - first.weekday()) % 7)
    listing = ListingFactory(host=host, nightly_price=Decimal("100.00"), weekend_price=Decimal("150.00"))
    occupy(listing, first, first + datetime.timedelta(days=2), kind="booking")
    occupy(listing, first + datetime.timedelta(days=10), first + datetime.timedelta(days=11), kind="block")
    listing.night_prices.create(date=first + datetime.timedelta(days=20), price=Decimal("210.00"))

    response = api_client.get(f"/api/listings/{listing.pk}/availability/?month={first:%Y-%m}")

    assert response.status_code == 200
    nights = nights_of(response)
    assert len(nights) == calendar.monthrange(first.year, first.month)[1]
    assert nights[str(first)][0] == "booked"
    assert nights[str(first + datetime.timedelta(days=2))][0] == "available"
    assert nights[str(first + datetime.timedelta(days=10))][0] == "blocked"
    assert nights[str(first + datetime.timedelta(days=20))][1] == "210.00"
    assert nights[str(friday)][1] == "150.00"
    assert nights[str(friday + datetime.timedelta(days=1))][1] == "150.00"  # Saturday
    assert nights[str(friday + datetime.timedelta(days=2))][1] == "100.00"  # Sunday
    assert response.json()["currency"] == "PEN"


def test_nights_before_today_are_past(api_client):
    listing = ListingFactory()
    today = timezone.localdate()
    two_days = datetime.timedelta(days=2)

    response = api_client.get(f"/api/listings/{listing.pk}/availability/?from={today - two_days}&to={today + two_days}")

    assert [night["status"] for night in response.json()["nights"]] == ["past", "past", "available", "available"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("", "month"),
        ("month=2030-13", "month"),
        ("month=2030-1", "month"),
        ("month=2030-01&from=2030-01-01&to=2030-01-05", "month"),
        ("from=2030-01-05&to=2030-01-01", "to"),
        ("from=2030-01-01&to=2031-02-01", "to"),
        ("from=2030-02-30&to=2030-03-05", "from"),
    ],
)
def test_a_bad_calendar_query_is_a_400_naming_the_parameter(api_client, query, field):
    listing = ListingFactory()

    response = api_client.get(f"/api/listings/{listing.pk}/availability/?{query}")

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_draft_calendar_is_its_hosts_only(api_client, host_client, host):
    draft = ListingFactory(host=host, status="draft")

    assert api_client.get(f"/api/listings/{draft.pk}/availability/?month=2030-01").status_code == 404
    assert host_client.get(f"/api/listings/{draft.pk}/availability/?month=2030-01").status_code == 200


def test_blocks_merge_with_the_blocks_they_touch_and_unblocking_cuts_them(host_client, host):
    listing = ListingFactory(host=host)
    start = next_month_first()

    def day(n):
        return str(start + datetime.timedelta(days=n))

    host_client.post(f"/api/listings/{listing.pk}/blocks/", {"start_date": day(0), "end_date": day(3)}, format="json")
    merged = host_client.post(
        f"/api/listings/{listing.pk}/blocks/",
        {"start_date": day(3), "end_date": day(6), "note": "pintura"},
        format="json",
    )
    assert merged.status_code == 201
    assert list(OccupiedRange.objects.values_list("start_date", "end_date")) == [
        (start, start + datetime.timedelta(days=6))
    ]

    freed = host_client.delete(f"/api/listings/{listing.pk}/blocks/?start_date={day(2)}&end_date={day(4)}")

    assert freed.status_code == 200
    assert [night["status"] for night in freed.json()["nights"]] == ["available", "available"]
    assert sorted(OccupiedRange.objects.values_list("start_date", "end_date")) == [
        (start, start + datetime.timedelta(days=2)),
        (start + datetime.timedelta(days=4), start + datetime.timedelta(days=6)),
    ]


def test_nights_of_a_booking_cannot_be_blocked(host_client, host):
    listing = ListingFactory(host=host)
    start = next_month_first()
    occupy(listing, start + datetime.timedelta(days=2), start + datetime.timedelta(days=5), kind="booking")

    response = host_client.post(
        f"/api/listings/{listing.pk}/blocks/",
        {"start_date": str(start), "end_date": str(start + datetime.timedelta(days=3))},
        format="json",
    )
    # The check-out morning of a block is the next stay's check-in.
    adjacent = host_client.post(
        f"/api/listings/{listing.pk}/blocks/",
        {"start_date": str(start), "end_date": str(start + datetime.timedelta(days=2))},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "dates_taken"
    assert adjacent.status_code == 201


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [(5, 5, "end_date"), (5, 2, "end_date"), (-3, 2, "start_date"), (1, 400, "end_date")],
)
def test_a_bad_range_is_a_400(host_client, host, start, end, field):
    listing = ListingFactory(host=host)
    today = timezone.localdate()

    response = host_client.post(
        f"/api/listings/{listing.pk}/blocks/",
        {
            "start_date": str(today + datetime.timedelta(days=start)),
            "end_date": str(today + datetime.timedelta(days=end)),
        },
        format="json",
    )

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not OccupiedRange.objects.exists()


def test_hosts_price_nights_and_put_them_back(host_client, host):
    listing = ListingFactory(host=host, nightly_price=Decimal("100.00"))
    start = next_month_first()
    nights = {"start_date": str(start), "end_date": str(start + datetime.timedelta(days=3))}

    priced = host_client.post(f"/api/listings/{listing.pk}/prices/", {**nights, "price": "80.50"}, format="json")
    back = host_client.post(f"/api/listings/{listing.pk}/prices/", {**nights, "price": None}, format="json")
    too_precise = host_client.post(f"/api/listings/{listing.pk}/prices/", {**nights, "price": "80.505"}, format="json")

    assert [night["price"] for night in priced.json()["nights"]] == ["80.50"] * 3
    assert [night["price"] for night in back.json()["nights"]] == ["100.00"] * 3
    assert too_precise.status_code == 400


def test_the_calendar_is_cached_until_a_block_changes_it(
    api_client, host_client, host, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    listing = ListingFactory(host=host)
    month = next_month_first()
    url = f"/api/listings/{listing.pk}/availability/?month={month:%Y-%m}"
    api_client.get(url)

    with django_assert_max_num_queries(1):  # who may see the listing; the nights come from the cache
        cached = api_client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        host_client.post(
            f"/api/listings/{listing.pk}/blocks/",
            {"start_date": str(month), "end_date": str(month + datetime.timedelta(days=1))},
            format="json",
        )
    fresh = api_client.get(url)

    assert nights_of(cached)[str(month)][0] == "available"
    assert nights_of(fresh)[str(month)][0] == "blocked"
    assert api_client.get(url, HTTP_IF_NONE_MATCH=fresh["ETag"]).status_code == 304


@pytest.mark.postgresql
def test_the_database_refuses_two_occupied_ranges_of_a_listing_that_overlap():
    listing = ListingFactory()
    start = next_month_first()
    occupy(listing, start, start + datetime.timedelta(days=5), kind="booking")

    with pytest.raises(IntegrityError, match="occupied_ranges_never_overlap"), transaction.atomic():
        occupy(listing, start + datetime.timedelta(days=4), start + datetime.timedelta(days=6), kind="block")

    occupy(listing, start + datetime.timedelta(days=5), start + datetime.timedelta(days=8), kind="booking")
    occupy(ListingFactory(), start, start + datetime.timedelta(days=5), kind="booking")
    assert OccupiedRange.objects.count() == 3


@pytest.mark.parametrize(
    ("change", "night_after"),
    [
        ("block", ("blocked", "100.00")),
        ("unblock", ("available", "100.00")),
        ("price", ("available", "75.00")),
        ("listing_price", ("available", "120.00")),
    ],
)
def test_every_kind_of_change_reaches_the_cached_calendar(
    api_client, host, change, night_after, django_capture_on_commit_callbacks
):
    listing = ListingFactory(host=host, nightly_price=Decimal("100.00"))
    ReadyPhotoFactory(listing=listing)
    month = next_month_first()
    nights = {"start_date": month, "end_date": month + datetime.timedelta(days=1)}
    if change == "unblock":
        calendar_block(listing=listing, **nights)
    url = f"/api/listings/{listing.pk}/availability/?month={month:%Y-%m}"
    api_client.get(url)

    with django_capture_on_commit_callbacks(execute=True):
        if change == "block":
            calendar_block(listing=listing, **nights)
        elif change == "unblock":
            calendar_unblock(listing=listing, **nights)
        elif change == "price":
            night_prices_set(listing=listing, price=Decimal("75.00"), **nights)
        else:
            listing_update(listing=listing, nightly_price=Decimal("120.00"))

    assert nights_of(api_client.get(url))[str(month)] == night_after
