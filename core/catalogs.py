"""The reference catalogs, each declared once: its route under /api/, its
model, the catalogs whose responses embed its rows, how long its responses
are cached (and may be cached by clients), and the query parameters its list
understands — the only ones that enter a cache key."""

from dataclasses import dataclass

from django.db import models

from core.models import Airline, Airport, City, Country, Currency

PAGINATION = ("page", "page_size")


@dataclass(frozen=True)
class Catalog:
    name: str
    route: str
    model: type[models.Model]
    timeout: int
    params: tuple[str, ...] = ()
    # Catalogs whose responses show this one's rows (a country shows its
    # currency's code): a change here invalidates them too.
    embedded_in: tuple[str, ...] = ()

    @property
    def cache_control(self) -> str:
        return f"public, max-age={self.timeout}"


CATALOGS = (
    Catalog("currencies", "monedas", Currency, 60 * 60, embedded_in=("countries",)),
    Catalog("countries", "paises", Country, 60 * 60, ("search",), embedded_in=("cities", "airports", "airlines")),
    Catalog("cities", "ciudades", City, 30 * 60, ("country", "search", *PAGINATION), embedded_in=("airports",)),
    Catalog("airlines", "aerolineas", Airline, 60 * 60, ("search", *PAGINATION)),
    Catalog("airports", "aeropuertos", Airport, 60 * 60, ("country", "search", *PAGINATION)),
)
CATALOG_BY_NAME = {catalog.name: catalog for catalog in CATALOGS}
CATALOG_OF_MODEL = {catalog.model: catalog for catalog in CATALOGS}


def catalogs_touched_by(model: type[models.Model]) -> tuple[str, ...]:
    catalog = CATALOG_OF_MODEL[model]
    return (catalog.name, *catalog.embedded_in)
