"""Reads of the reference catalogs."""

import re
import time
from functools import lru_cache

import airportsdata
import pycountry
from django.db import DatabaseError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from core.cache import cache_queryset
from core.catalogs import CATALOG_BY_NAME
from core.exceptions import InvalidInput
from core.models import Airline, Airport, City, Country, Currency
from core.text import search_key
from core.ticket_parser import AirportTable, airport_table

# The airports table of the ticket parsers is rebuilt at most this often in a process.
AIRPORT_TABLE_SECONDS = 60 * 60


@cache_queryset(CATALOG_BY_NAME["countries"].timeout, "countries")
def _all_countries() -> QuerySet[Country]:
    return Country.objects.select_related("currency").order_by("code")


def country_list(*, search: str | None = None) -> list[Country]:
    """Every country, or those whose code (alpha-2 or alpha-3) is `search` or
    one of whose names (Spanish or English) has a word starting with it,
    ignoring case and accents ("peru" finds Perú, "unidos" Estados Unidos).
    The 250 rows come from the cache, so a search is filtered in memory."""
    countries = _all_countries()
    key = search_key(search or "")
    if not key:
        return countries
    return [country for country in countries if _country_matches(country, key)]


def _country_matches(country: Country, key: str) -> bool:
    if key in (country.code.casefold(), country.alpha3.casefold()):
        return True
    for name in (country.name_es, country.name_en):
        words = " " + " ".join(re.split(r"[\W_]+", search_key(name)))
        if (" " + key) in words:
            return True
    return False


@cache_queryset(CATALOG_BY_NAME["currencies"].timeout, "currencies")
def currency_list() -> QuerySet[Currency]:
    # Current currencies first; the historic ones (marked) after, for tickets that print them.
    return Currency.objects.filter(active=True).order_by("historic", "code")


def _country_code(value: str | None) -> str | None:
    if not value:
        return None
    code = value.strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise InvalidInput(
            _("'%(value)s' no es un código de país ISO 3166 de dos letras.") % {"value": value}, field="country"
        )
    return code


def check_country_exists(country_code: str) -> None:
    if not Country.objects.filter(code=country_code).exists():
        raise InvalidInput(
            _("No existe el país '%(code)s'.") % {"code": country_code}, code="unknown_country", field="country"
        )


def city_list(*, country: str | None = None, search: str | None = None) -> QuerySet[City]:
    cities = City.objects.select_related("country")
    country_code = _country_code(country)
    if country_code:
        cities = cities.filter(country__code=country_code)
    if search and search_key(search):
        cities = cities.filter(search_name__startswith=search_key(search))
    return cities.order_by("-population", "name", "id")


def airport_list(*, country: str | None = None, search: str | None = None) -> QuerySet[Airport]:
    airports = Airport.objects.select_related("country")
    country_code = _country_code(country)
    if country_code:
        airports = airports.filter(country__code=country_code)
    if search and search_key(search):
        key = search_key(search)
        if len(key) == 3 and key.isalpha():
            airports = airports.filter(iata_code=key.upper()) | airports.filter(search_name__startswith=key)
        else:
            airports = airports.filter(search_name__startswith=key)
    return airports.order_by("iata_code")


def airline_list(*, search: str | None = None) -> QuerySet[Airline]:
    airlines = Airline.objects.filter(active=True).select_related("country")
    if search and search_key(search):
        key = search_key(search)
        by_name = airlines.filter(name__istartswith=key)
        if len(key) in (2, 3):
            airlines = by_name | airlines.filter(iata_code=key.upper()) | airlines.filter(icao_code=key.upper())
        else:
            airlines = by_name
    return airlines.order_by("iata_code", "name", "id")


def airlines_by_code(codes) -> dict[str, Airline]:
    """The active airlines of these IATA codes (one query), by code."""
    codes = {code for code in codes if code}
    if not codes:
        return {}
    return {airline.iata_code: airline for airline in Airline.objects.filter(active=True, iata_code__in=codes)}


def airports_by_code(codes) -> dict[str, Airport]:
    """The airports of these IATA codes (one query), by code."""
    codes = {code for code in codes if code}
    if not codes:
        return {}
    return {airport.iata_code: airport for airport in Airport.objects.filter(iata_code__in=codes)}


def ticket_airport_table() -> AirportTable:
    """The lookup table through which the ticket parsers resolve airports printed by
    name to IATA codes, from the airports catalog: kept for an hour per process while
    the catalog's size stays the same. Before the catalogs are loaded (a fresh
    database, or none: `parse_ticket` needs none) it is built from the source the
    catalog is loaded from, airportsdata."""
    try:
        airports = Airport.objects.count()
    except DatabaseError:  # no catalog tables yet
        airports = 0
    return _airport_table(int(time.time() // AIRPORT_TABLE_SECONDS), airports)


@lru_cache(maxsize=2)
def _airport_table(hour: int, airports: int) -> AirportTable:
    return _catalog_airport_table() if airports else _airportsdata_table()


def _catalog_airport_table() -> AirportTable:
    rows = []
    for code, name, city_name, linked_city, country in Airport.objects.values_list(
        "iata_code", "name", "city_name", "city__name", "country__code"
    ):
        # An airport is found under the city it names and under the catalog city it is linked to.
        for city in {city_name, linked_city} - {"", None} or {""}:
            rows.append((code, name, city, country))
    countries = {
        code: (alpha3, name_es, name_en)
        for code, alpha3, name_es, name_en in Country.objects.values_list("code", "alpha3", "name_es", "name_en")
    }
    return airport_table(rows, countries)


def _airportsdata_table() -> AirportTable:
    airports = airportsdata.load("IATA")
    countries = {
        country.alpha_2: (country.alpha_3, country.name, getattr(country, "common_name", ""))
        for country in pycountry.countries
    }
    return airport_table(((code, a["name"], a["city"], a["country"]) for code, a in airports.items()), countries)
