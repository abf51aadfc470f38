"""Writes to the reference catalogs: every change invalidates what it touched."""

from django.db import models, transaction

from core.cache import invalidate_catalogs
from core.models import Airline, Airport, City, Country, Currency

CATALOG_OF_MODEL: dict[type[models.Model], str] = {
    Currency: "currencies",
    Country: "countries",
    City: "cities",
    Airline: "airlines",
    Airport: "airports",
}
ALL_CATALOGS = tuple(CATALOG_OF_MODEL.values())

# Responses embed related rows: a country shows its currency, a city its country.
_EMBEDDED_IN = {
    "currencies": ("countries",),
    "countries": ("cities", "airports", "airlines"),
    "cities": ("airports",),
}


def catalogs_touched_by(model: type[models.Model]) -> tuple[str, ...]:
    catalog = CATALOG_OF_MODEL[model]
    return (catalog, *_EMBEDDED_IN.get(catalog, ()))


def catalog_record_save(*, save, model: type[models.Model]):
    """Run `save` (a serializer's or form's save) and invalidate the catalogs
    the model appears in once the transaction commits."""
    with transaction.atomic():
        instance = save()
        invalidate_catalogs(*catalogs_touched_by(model))
    return instance


def catalog_record_delete(instance: models.Model) -> None:
    with transaction.atomic():
        instance.delete()
        invalidate_catalogs(*catalogs_touched_by(type(instance)))


def catalog_records_deleted(model: type[models.Model], queryset: models.QuerySet) -> None:
    with transaction.atomic():
        queryset.delete()
        invalidate_catalogs(*catalogs_touched_by(model))
