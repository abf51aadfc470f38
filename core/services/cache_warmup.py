"""Fill the catalog caches before users ask.

Each catalog's first page is requested through the whole stack (middleware,
language selection, the cached view) in every language, as a client at
PUBLIC_BASE_URL would, so the stored bytes are exactly what clients get."""

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.test import Client

from core.catalogs import CATALOGS

logger = logging.getLogger(__name__)


def warm_catalog_caches() -> dict[str, int]:
    """Return, per catalog, how many responses are now cached."""
    base = urlsplit(settings.PUBLIC_BASE_URL)
    client = Client(HTTP_HOST=base.netloc, raise_request_exception=True)
    warmed: dict[str, int] = {}
    for catalog in CATALOGS:
        warmed[catalog.name] = 0
        path = f"/api/{catalog.route}/"
        for language, _name in settings.LANGUAGES:
            response = client.get(
                path, HTTP_ACCEPT_LANGUAGE=language, HTTP_ACCEPT="application/json", secure=base.scheme == "https"
            )
            if response.status_code == 200:
                warmed[catalog.name] += 1
            else:
                logger.warning("warm-up of %s (%s) answered %s", path, language, response.status_code)
    return warmed
