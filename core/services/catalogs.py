"""Writes to the reference catalogs: every change invalidates what it touched."""

from django.db import models, transaction

from core.cache import cache_invalidate
from core.catalogs import CATALOGS, catalogs_touched_by


def catalog_caches_invalidate(model: type[models.Model] | None = None) -> None:
    """When the transaction commits, drop the cached responses that show
    `model`'s rows (every catalog's without a model)."""
    names = catalogs_touched_by(model) if model else [catalog.name for catalog in CATALOGS]
    for name in names:
        cache_invalidate(name)


def catalog_record_save(*, save, model: type[models.Model]):
    """Run `save` (a serializer's or form's save) and invalidate the catalogs
    the model appears in once the transaction commits."""
    with transaction.atomic():
        instance = save()
        catalog_caches_invalidate(model)
    return instance


def catalog_record_delete(instance: models.Model) -> None:
    with transaction.atomic():
        instance.delete()
        catalog_caches_invalidate(type(instance))


def catalog_records_deleted(model: type[models.Model], queryset: models.QuerySet) -> None:
    with transaction.atomic():
        queryset.delete()
        catalog_caches_invalidate(model)
