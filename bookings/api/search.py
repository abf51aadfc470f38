"""The search's query string: every parameter checked (an unknown one is a
400, never part of a cache key), turned into SearchFilters and into the
normalised query that keys the cached page."""

import datetime
from decimal import Decimal, InvalidOperation

from django.http import HttpRequest, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from bookings.cache_scopes import ALL, bbox_places, city_places, dated
from bookings.models import MAX_NIGHTS, Amenity, PropertyType
from bookings.selectors.search import SORTS, SearchFilters, SearchPage, listing_search, search_cursor_decode
from core.cache import cache_queryset
from core.exceptions import InvalidInput
from core.models import City

MAX_PAGE_SIZE = 50
DEFAULT_PAGE_SIZE = 20
MAX_TEXT = 100
SEARCH_QUERY_PARAMETERS = {
    "city",
    "bbox",
    "check_in",
    "check_out",
    "guests",
    "min_price",
    "max_price",
    "currency",
    "property_type",
    "amenities",
    "q",
    "sort",
    "cursor",
    "page_size",
    "format",
}

SEARCH_PARAMETERS = [
    OpenApiParameter("city", OpenApiTypes.INT, description="Id de la ciudad (catálogo de ciudades)."),
    OpenApiParameter("bbox", OpenApiTypes.STR, description="Zona del mapa: `lon_min,lat_min,lon_max,lat_max`."),
    OpenApiParameter("check_in", OpenApiTypes.DATE, description="Llegada (con `check_out`): libres todas las noches."),
    OpenApiParameter("check_out", OpenApiTypes.DATE, description="Salida."),
    OpenApiParameter("guests", OpenApiTypes.INT),
    OpenApiParameter("min_price", OpenApiTypes.DECIMAL, description="Precio por noche, en la moneda del alojamiento."),
    OpenApiParameter("max_price", OpenApiTypes.DECIMAL),
    OpenApiParameter("currency", OpenApiTypes.STR, description="Solo alojamientos en esta moneda (ISO 4217)."),
    OpenApiParameter("property_type", OpenApiTypes.STR, description="Uno o varios, separados por comas."),
    OpenApiParameter("amenities", OpenApiTypes.STR, description="Códigos separados por comas: todas deben estar."),
    OpenApiParameter("q", OpenApiTypes.STR, description="Palabras del título o la descripción (español o inglés)."),
    OpenApiParameter("sort", OpenApiTypes.STR, enum=list(SORTS), description="`total`: precio de la estadía."),
    OpenApiParameter("cursor", OpenApiTypes.STR, description="El `next` de la página anterior."),
    OpenApiParameter(
        "page_size", OpenApiTypes.INT, description=f"Hasta {MAX_PAGE_SIZE} (por defecto {DEFAULT_PAGE_SIZE})."
    ),
]


@cache_queryset(timeout=60 * 60, key_prefix="amenities")
def amenity_ids_by_code() -> list[tuple[str, int]]:
    return Amenity.objects.values_list("code", "id")


def search_filters_from_query(query: QueryDict) -> SearchFilters:
    """The filters of a search; InvalidInput naming the first bad parameter."""
    unknown = sorted(set(query) - SEARCH_QUERY_PARAMETERS)
    if unknown:
        raise InvalidInput(_("Parámetros desconocidos: %(names)s.") % {"names": ", ".join(unknown)}, field=unknown[0])
    value = {name: query.get(name, "").strip() for name in SEARCH_QUERY_PARAMETERS}
    sort = value["sort"] or "price"
    if sort not in SORTS:
        raise InvalidInput(_("Orden desconocido; use uno de: %(sorts)s.") % {"sorts": ", ".join(SORTS)}, field="sort")
    check_in, check_out = _stay(value["check_in"], value["check_out"])
    if sort in ("total", "-total") and not check_in:
        raise InvalidInput(_("Para ordenar por el precio de la estadía, indique las fechas."), field="sort")
    filters = SearchFilters(
        city_id=_city(value["city"]),
        bbox=_bbox(value["bbox"]),
        check_in=check_in,
        check_out=check_out,
        guests=_integer(value["guests"], "guests", 1, 50),
        min_price=_price(value["min_price"], "min_price"),
        max_price=_price(value["max_price"], "max_price"),
        currency_code=_currency(value["currency"]),
        property_types=_property_types(value["property_type"]),
        amenity_ids=_amenities(value["amenities"]),
        text=value["q"][:MAX_TEXT],
        sort=sort,
        page_size=_integer(value["page_size"], "page_size", 1, MAX_PAGE_SIZE) or DEFAULT_PAGE_SIZE,
        cursor=_cursor(value["cursor"], sort),
    )
    if filters.min_price is not None and filters.max_price is not None and filters.min_price > filters.max_price:
        raise InvalidInput(_("El precio mínimo supera al máximo."), field="min_price")
    return filters


def request_search_scopes(request: HttpRequest) -> tuple[str, ...]:
    """The cache scopes of the search a request asks for. A request that is
    not a valid search depends on nothing: the view answers it with a 400,
    which is never cached."""
    try:
        return tuple(search_scopes(search_filters_from_query(request.GET)))
    except InvalidInput:
        return ()


def search_scopes(filters: SearchFilters) -> list[str]:
    """The places the search looks in and, with dates, those places in the
    months of the stay (bookings.cache_scopes)."""
    if filters.city_id is not None:
        places = city_places(filters.city_id)
    elif filters.bbox is not None:
        places = bbox_places(*map(float, filters.bbox))
    else:
        places = [ALL]
    if filters.nights:
        return [*places, *dated(places, filters.check_in, filters.check_out)]
    return places


def _stay(check_in: str, check_out: str) -> tuple[datetime.date | None, datetime.date | None]:
    if not check_in and not check_out:
        return None, None
    if not (check_in and check_out):
        raise InvalidInput(_("Indique la llegada y la salida."), field="check_out" if check_in else "check_in")
    arrival, departure = _date(check_in, "check_in"), _date(check_out, "check_out")
    if departure <= arrival:
        raise InvalidInput(_("La salida debe ser posterior a la llegada."), field="check_out")
    if (departure - arrival).days > MAX_NIGHTS:
        raise InvalidInput(
            _("Una estadía dura como máximo %(nights)d noches.") % {"nights": MAX_NIGHTS}, field="check_out"
        )
    if arrival < timezone.localdate():
        raise InvalidInput(_("La llegada ya pasó."), field="check_in")
    return arrival, departure


def _date(text: str, field: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(_("Fecha no válida; use AAAA-MM-DD."), field=field) from None


def _integer(text: str, field: str, low: int, high: int) -> int | None:
    if not text:
        return None
    if not text.isdigit() or not low <= int(text) <= high:
        raise InvalidInput(
            _("Debe ser un número entero entre %(low)d y %(high)d.") % {"low": low, "high": high}, field=field
        )
    return int(text)


def _city(text: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or len(text) > 12:
        raise _unknown_city(text)
    return int(text)


def search_page(filters: SearchFilters) -> SearchPage:
    """The page of results; an unknown city is a 400 (checked only when
    nothing matched, so a search costs one query)."""
    page = listing_search(filters)
    if not page.listings and filters.city_id is not None and not City.objects.filter(pk=filters.city_id).exists():
        raise _unknown_city(str(filters.city_id))
    return page


def _unknown_city(text: str) -> InvalidInput:
    return InvalidInput(_("No existe la ciudad %(city)s.") % {"city": text[:20]}, field="city")


def _bbox(text: str) -> tuple[Decimal, Decimal, Decimal, Decimal] | None:
    if not text:
        return None
    try:
        min_longitude, min_latitude, max_longitude, max_latitude = (Decimal(part) for part in text.split(","))
    except (ValueError, InvalidOperation):
        raise InvalidInput(_("Use bbox=lon_min,lat_min,lon_max,lat_max."), field="bbox") from None
    inside = all(-180 <= value <= 180 for value in (min_longitude, max_longitude)) and all(
        -90 <= value <= 90 for value in (min_latitude, max_latitude)
    )
    if not inside or min_longitude >= max_longitude or min_latitude >= max_latitude:
        raise InvalidInput(
            _("La zona debe estar dentro de longitud -180…180 y latitud -90…90, con mínimos menores que máximos."),
            field="bbox",
        )
    return tuple(
        value.quantize(Decimal("0.000001")) for value in (min_longitude, min_latitude, max_longitude, max_latitude)
    )


def _price(text: str, field: str) -> Decimal | None:
    if not text:
        return None
    try:
        price = Decimal(text)
    except InvalidOperation:
        price = None
    if price is None or not price.is_finite() or not 0 <= price <= 1_000_000:
        raise InvalidInput(_("Precio no válido."), field=field)
    return price.quantize(Decimal("0.001"))


def _currency(text: str) -> str | None:
    if not text:
        return None
    if len(text) != 3 or not text.isalpha():
        raise InvalidInput(_("Use el código ISO 4217 de tres letras."), field="currency")
    return text.upper()


def _property_types(text: str) -> tuple[str, ...]:
    types = sorted({part.strip() for part in text.split(",") if part.strip()})
    unknown = [name for name in types if name not in PropertyType.values]
    if unknown:
        raise InvalidInput(
            _("Tipo de propiedad desconocido: %(types)s.") % {"types": ", ".join(unknown)[:100]},
            field="property_type",
        )
    return tuple(types)


def _amenities(text: str) -> tuple[int, ...]:
    codes = sorted({part.strip() for part in text.split(",") if part.strip()})
    if not codes:
        return ()
    known = dict(amenity_ids_by_code())
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise InvalidInput(
            _("Comodidad desconocida: %(codes)s.") % {"codes": ", ".join(unknown)[:100]}, field="amenities"
        )
    return tuple(sorted(known[code] for code in codes))


def _cursor(text: str, sort: str) -> tuple | None:
    if not text:
        return None
    cursor = search_cursor_decode(text, sort)
    if cursor is None:
        raise InvalidInput(_("El cursor no es de esta búsqueda."), field="cursor")
    return cursor
