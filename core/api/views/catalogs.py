"""Catalog endpoints: read for everyone, written by agency staff."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets

from core.api.caching import cached_view
from core.api.permissions import IsStaffOrReadOnly
from core.api.serializers import catalogs as catalog_serializers
from core.models import Airline, Airport, City, Country, Currency
from core.selectors import catalogs as selectors
from core.services.catalogs import catalog_record_delete, catalog_record_save

COUNTRY_PARAM = OpenApiParameter(
    "country", OpenApiTypes.STR, description="Código ISO 3166 alfa-2 del país (p. ej. PE). Desconocido: 400."
)
SEARCH_PARAM = OpenApiParameter(
    "search", OpenApiTypes.STR, description="Prefijo del nombre, sin distinguir mayúsculas ni tildes."
)
LANGUAGE_PARAM = OpenApiParameter(
    "Accept-Language",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    description="es (por defecto) o en: idioma de los nombres.",
)


class CatalogViewSet(viewsets.ModelViewSet):
    """Reads are served from the catalog cache (see core.api.caching)."""

    permission_classes = [IsStaffOrReadOnly]
    lookup_value_regex = "[^/]+"

    @classmethod
    def as_view(cls, actions=None, **initkwargs):
        return cached_view(super().as_view(actions, **initkwargs))

    def perform_create(self, serializer):
        catalog_record_save(save=serializer.save, model=self.queryset.model)

    def perform_update(self, serializer):
        catalog_record_save(save=serializer.save, model=self.queryset.model)

    def perform_destroy(self, instance):
        catalog_record_delete(instance)


def _upper_code(view: viewsets.ModelViewSet) -> str:
    return view.kwargs[view.lookup_field].strip().upper()


@extend_schema_view(
    list=extend_schema(
        summary="Países (ISO 3166), buscados por código o nombre",
        parameters=[
            LANGUAGE_PARAM,
            OpenApiParameter(
                "search",
                OpenApiTypes.STR,
                description="Código alfa-2 o alfa-3 exacto, o comienzo de una palabra del nombre en español o "
                "en inglés, sin distinguir mayúsculas ni tildes (peru, perú, PE, PER).",
            ),
        ],
    ),
    retrieve=extend_schema(summary="País por código alfa-2", parameters=[LANGUAGE_PARAM]),
)
class CountryViewSet(CatalogViewSet):
    queryset = Country.objects.all()
    serializer_class = catalog_serializers.CountrySerializer
    lookup_field = "code"
    pagination_class = None

    def get_queryset(self):
        if self.action == "list":
            return selectors.country_list(search=self.request.query_params.get("search"))
        return Country.objects.select_related("currency")

    def get_object(self):
        return get_object_or_404(self.get_queryset(), code=_upper_code(self))


@extend_schema_view(
    list=extend_schema(summary="Monedas activas (ISO 4217)", parameters=[LANGUAGE_PARAM]),
    retrieve=extend_schema(summary="Moneda por código", parameters=[LANGUAGE_PARAM]),
)
class CurrencyViewSet(CatalogViewSet):
    queryset = Currency.objects.all()
    serializer_class = catalog_serializers.CurrencySerializer
    lookup_field = "code"
    pagination_class = None

    def get_queryset(self):
        if self.action == "list":
            return selectors.currency_list()
        return Currency.objects.all()

    def get_object(self):
        return get_object_or_404(self.get_queryset(), code=_upper_code(self))


class _FilteredListMixin:
    """Lists filtered by ?country= answer 400 for a country that does not exist."""

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        country = request.query_params.get("country")
        # Checked only when nothing matched, so a normal list stays at two queries.
        if country and response.data.get("count") == 0:
            selectors.check_country_exists(country.strip().upper())
        return response


@extend_schema_view(
    list=extend_schema(
        summary="Ciudades, filtradas por país y buscadas por prefijo",
        parameters=[COUNTRY_PARAM, SEARCH_PARAM],
    ),
    retrieve=extend_schema(summary="Ciudad por id"),
)
class CityViewSet(_FilteredListMixin, CatalogViewSet):
    queryset = City.objects.all()
    serializer_class = catalog_serializers.CitySerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        if self.action == "list":
            return selectors.city_list(
                country=self.request.query_params.get("country"), search=self.request.query_params.get("search")
            )
        return City.objects.select_related("country")


@extend_schema_view(
    list=extend_schema(summary="Aeropuertos (IATA)", parameters=[COUNTRY_PARAM, SEARCH_PARAM]),
    retrieve=extend_schema(summary="Aeropuerto por código IATA"),
)
class AirportViewSet(_FilteredListMixin, CatalogViewSet):
    queryset = Airport.objects.all()
    serializer_class = catalog_serializers.AirportSerializer
    lookup_field = "iata_code"

    def get_queryset(self):
        if self.action == "list":
            return selectors.airport_list(
                country=self.request.query_params.get("country"), search=self.request.query_params.get("search")
            )
        return Airport.objects.select_related("country")

    def get_object(self):
        return get_object_or_404(self.get_queryset(), iata_code=_upper_code(self))


@extend_schema_view(
    list=extend_schema(
        summary="Aerolíneas activas (IATA/OACI)",
        parameters=[
            OpenApiParameter("search", OpenApiTypes.STR, description="Código IATA u OACI exacto, o prefijo del nombre.")
        ],
    ),
    retrieve=extend_schema(summary="Aerolínea activa por código IATA"),
)
class AirlineViewSet(CatalogViewSet):
    queryset = Airline.objects.all()
    serializer_class = catalog_serializers.AirlineSerializer
    lookup_field = "iata_code"

    def get_queryset(self):
        if self.action == "list":
            return selectors.airline_list(search=self.request.query_params.get("search"))
        return Airline.objects.select_related("country")

    def get_object(self):
        # Only active airlines hold a unique IATA code; inactive ones are edited in the admin.
        return get_object_or_404(self.get_queryset().filter(active=True), iata_code=_upper_code(self))
