"""Airports printed by name (`Caracas, VE`, `PARIS DE GAULLE, FRANCE`,
`Panama City Tocumen International, PA`) resolved to IATA codes.

The parsers stay free of Django: the caller builds an `AirportTable` from the
airports catalog (`airport_table(rows)`, rows of code, airport name, city,
country code and country names) and passes it in. A place resolves only when
one airport fits: the city's only airport, or among a city's airports the one
the text names (`Tocumen`, `De Gaulle`). A city with several airports and no
airport named (`Sao Paulo`, `Paris`) stays a name without a code.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from .vocabulary import strip_accents

# Words that name no particular airport.
GENERIC_WORDS = frozenset({
    "AIRPORT", "APT", "ARPT", "AIRFIELD", "AERODROME", "INTERNATIONAL", "INTL", "INTERNACIONAL", "INT", "AEROPUERTO",
    "AEROPORTO", "DE", "DEL", "DA", "DO", "DOS", "LA", "EL", "LE", "LES", "THE", "OF", "Y", "E", "AND", "CITY",
    "TERMINAL",
})  # fmt: skip
# Spellings of "airport" and "international" reduced to one, to compare names.
CANONICAL_WORDS = {"APT": "", "ARPT": "", "AIRPORT": "", "AEROPUERTO": "", "AEROPORTO": "",
                   "INTL": "INTERNATIONAL", "INTERNACIONAL": "INTERNATIONAL", "INT": "INTERNATIONAL"}  # fmt: skip
# Airports the catalog files under a neighbouring town, for the city they serve: without
# them the city's only other airport would be taken for its airport (AEP for Buenos Aires).
CITY_AIRPORTS_EXTRA = {
    "PANAMA CITY": ("PTY",), "BUENOS AIRES": ("EZE",), "MEDELLIN": ("MDE",), "TORONTO": ("YYZ",),
    "WASHINGTON": ("DCA", "BWI"), "MILAN": ("LIN", "BGY"), "CARACAS": ("CCS",), "SANTO DOMINGO": ("SDQ", "JBQ"),
    "SAO PAULO": ("VCP",), "RIO DE JANEIRO": ("GIG", "SDU"), "TOKYO": ("NRT", "HND"), "CHICAGO": ("ORD", "MDW"),
    "HOUSTON": ("IAH", "HOU"), "DALLAS": ("DFW", "DAL"), "LONDON": ("LGW", "STN", "LTN", "LCY"),
    "NEW YORK": ("EWR", "LGA"), "PARIS": ("CDG", "ORY"), "MOSCOW": ("SVO", "DME", "VKO"),
}  # fmt: skip
# City names as Spanish and Portuguese tickets print them, for the catalog's English ones.
CITY_ALIASES = {
    "CIUDAD DE PANAMA": "PANAMA CITY", "PANAMA": "PANAMA CITY", "LISBOA": "LISBON", "SAO PAULO": "SAO PAULO",
    "NUEVA YORK": "NEW YORK", "NOVA IORQUE": "NEW YORK", "LONDRES": "LONDON", "ROMA": "ROME",
    "CIUDAD DE MEXICO": "MEXICO CITY", "MEXICO": "MEXICO CITY", "BRASILIA": "BRASILIA", "SEVILLA": "SEVILLE",
    "GINEBRA": "GENEVA", "MILAN": "MILAN", "MILAO": "MILAN", "FLORENCIA": "FLORENCE", "MUNICH": "MUNICH",
    "ESTAMBUL": "ISTANBUL", "PEKIN": "BEIJING", "PUNTA CANA": "PUNTA CANA", "LA HABANA": "HAVANA",
    "HABANA": "HAVANA", "FILADELFIA": "PHILADELPHIA", "NUEVA ORLEANS": "NEW ORLEANS", "BOGOTA DC": "BOGOTA",
    "MARGARITA": "PORLAMAR", "ISLA MARGARITA": "PORLAMAR", "MAIQUETIA": "CARACAS",
}  # fmt: skip


class Airport(NamedTuple):
    code: str
    city: str
    country: str
    # Words of its name that set it apart from the other airports of its city.
    words: frozenset[str]
    # Its name compared as printed (`MIAMI INTERNATIONAL` for "Miami International Airport").
    name_key: str


@dataclass
class AirportTable:
    by_city: dict[str, list[Airport]] = field(default_factory=lambda: defaultdict(list))
    by_word: dict[str, list[Airport]] = field(default_factory=lambda: defaultdict(list))
    # Normalised country names and ISO codes -> ISO code.
    countries: dict[str, str] = field(default_factory=dict)
    longest_city: int = 1
    # Places already resolved (tickets print the same few again and again), bounded.
    resolved: dict[str, str | None] = field(default_factory=dict)


MAX_RESOLVED = 10_000


WORD = re.compile(r"[A-Z0-9]+")


def normalise(text: str) -> str:
    """Upper case, no accents, words separated by single spaces (punctuation dropped)."""
    text = text.upper() if text.isascii() else strip_accents(text).upper()
    return " ".join(WORD.findall(text))


def airport_table(
    rows: Iterable[tuple[str, str, str, str]], country_names: dict[str, Iterable[str]] | None = None
) -> AirportTable:
    """The lookup table of (IATA code, airport name, city name, country code) rows;
    `country_names` maps a country code to the names tickets print for it."""
    table = AirportTable()
    for code, name, city, country in rows:
        if not code or len(code) != 3:
            continue
        city_key = normalise(city or "")
        city_words = set(city_key.split())
        name_words = normalise(name or "").split()
        words = frozenset(w for w in name_words if w not in GENERIC_WORDS and w not in city_words)
        airport = Airport(
            code=code.upper(),
            city=city_key,
            country=(country or "").upper(),
            words=words,
            name_key=_name_key(name_words),
        )
        if city_key:
            table.by_city[city_key].append(airport)
            table.longest_city = max(table.longest_city, len(city_key.split()))
        for word in words:
            if len(word) >= 4:
                table.by_word[word].append(airport)
    by_code = {a.code: a for airports in table.by_city.values() for a in airports}
    for city, codes in CITY_AIRPORTS_EXTRA.items():
        for code in codes:
            airport = by_code.get(code)
            if airport and airport not in table.by_city[city]:
                table.by_city[city].append(airport)
    for alias, city in CITY_ALIASES.items():
        if alias not in table.by_city and city in table.by_city:
            table.by_city[alias] = table.by_city[city]
    for country, names in (country_names or {}).items():
        table.countries[country.upper()] = country.upper()
        for country_name in names:
            if country_name:
                table.countries[normalise(country_name)] = country.upper()
    return table


def _name_key(words: list[str]) -> str:
    canonical = (CANONICAL_WORDS.get(w, w) for w in words)
    return " ".join(w for w in canonical if w)


def resolve_airport(place: str | None, table: AirportTable | None) -> str | None:
    """The IATA code of the one airport the printed place can be, else None."""
    if not place or table is None:
        return None
    if place in table.resolved:
        return table.resolved[place]
    if len(table.resolved) >= MAX_RESOLVED:
        table.resolved.clear()
    code = table.resolved[place] = _resolve(place, table)
    return code


def _resolve(place: str, table: AirportTable) -> str | None:
    words = normalise(place).split()
    country = None
    # A trailing country (`, VE`, `, COLOMBIA`, `SPAIN`) narrows the search.
    for size in (3, 2, 1):
        if len(words) > size and " ".join(words[-size:]) in table.countries:
            country = table.countries[" ".join(words[-size:])]
            words = words[:-size]
            break
    if not words:
        return None
    named = set(words)
    text_key = f" {_name_key(words)} "
    candidates: list[Airport] = []
    # The city: the longest run of leading words that is a city of the catalog.
    for size in range(min(len(words), table.longest_city), 0, -1):
        city = " ".join(words[:size])
        in_city = table.by_city.get(city)
        if in_city:
            candidates = [a for a in in_city if country is None or a.country == country]
            if candidates:
                candidates += _named_after(city, candidates, table)
                break
    if candidates:
        # Beyond the city's name, which words name one of its airports.
        return _one_of(candidates, named - set(city.split()), text_key)
    # No city printed: an airport named by its own words (`DE GAULLE`, `TOCUMEN`).
    by_name = {a.code: a for w in named for a in table.by_word.get(w, ()) if country is None or a.country == country}
    return _one_of(list(by_name.values()), named, text_key)


def _named_after(city: str, in_city: list[Airport], table: AirportTable) -> list[Airport]:
    """Airports of the city's country filed under another town whose name carries the
    city's (Toronto Pearson, in Mississauga): the city is then not its airport alone."""
    words = [w for w in city.split() if len(w) >= 4]
    if not words:
        return []
    countries = {a.country for a in in_city}
    codes = {a.code for a in in_city}
    found = [a for a in table.by_word.get(words[0], ()) if a.country in countries and a.code not in codes]
    return [a for a in found if all(w in a.words for w in words)]


def _one_of(candidates: list[Airport], named: set[str], text_key: str) -> str | None:
    if len({a.code for a in candidates}) == 1:
        return candidates[0].code
    # The text prints an airport's whole name (`Miami International Apt`).
    whole = {a.code for a in candidates if a.name_key and f" {a.name_key} " in text_key}
    if len(whole) == 1:
        return whole.pop()
    scored = [(len(a.words & named), a) for a in candidates]
    best = max((score for score, _ in scored), default=0)
    if best:
        top = [a for score, a in scored if score == best]
        return top[0].code if len({a.code for a in top}) == 1 else None
    # Only the city is printed and it has several airports: no code is guessed.
    return None


def fill_airport_codes(records: list[dict], table: AirportTable | None) -> None:
    """Give each segment's origin/destination printed by name its IATA code, when
    exactly one airport fits; codes printed on the document are kept. Without a table
    places keep no code."""
    for record in records:
        for segment in record.get("segments") or []:
            for key in ("origin", "destination"):
                # A parser may keep the whole printed place (`Madrid, (Adolfo Suarez
                # Madrid-Barajas)`) apart from the city it records, to name the airport.
                printed = segment.pop(f"_{key}_printed", None) or segment.get(key)
                if table is not None and not segment.get(f"{key}_code"):
                    segment[f"{key}_code"] = resolve_airport(printed, table)
