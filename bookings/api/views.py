"""The rentals API: listings, their photos and calendar, search, amenities,
becoming a host. Everyone reads published listings; a host changes only
their own — another host's listing is a 404 for every verb that changes it."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings.api import serializers
from bookings.api.search import SEARCH_PARAMETERS, search_filters_from_query, search_page
from bookings.cache_scopes import AVAILABILITY_NAMESPACE, availability_scope
from bookings.models import Amenity, Listing
from bookings.selectors import listings as selectors
from bookings.selectors.availability import listing_nights
from bookings.services import calendar, listings, photos
from core.api.caching import cached_json_response, cached_view
from core.api.parsers import JSONParser
from core.exceptions import InvalidInput

LISTING_ID = "[0-9]+"


@extend_schema_view(
    list=extend_schema(
        summary="Alojamientos visibles: los publicados, los propios de cualquier estado",
        parameters=[
            OpenApiParameter("host", OpenApiTypes.STR, description="Id del anfitrión, o `me` para los propios."),
            OpenApiParameter("status", OpenApiTypes.STR, enum=Listing.Status.values),
            OpenApiParameter("city", OpenApiTypes.INT),
        ],
    ),
    retrieve=extend_schema(summary="Un alojamiento con sus fotos y comodidades"),
)
class ListingViewSet(viewsets.GenericViewSet):
    serializer_class = serializers.ListingSerializer
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    lookup_value_regex = LISTING_ID

    @classmethod
    def as_view(cls, actions=None, **initkwargs):
        # Search answers come from the cache (core.api.caching), the rest does not.
        return cached_view(super().as_view(actions, **initkwargs))

    def get_queryset(self):
        return selectors.listings_visible_to(self.request.user)

    def list(self, request):
        listings = self.get_queryset().order_by("-created_at", "-id")
        query = request.query_params
        if query.get("host") == "me":
            listings = listings.filter(host_id=request.user.pk or 0)
        elif query.get("host"):
            listings = listings.filter(host_id=_int(query["host"], "host"))
        if query.get("status"):
            if query["status"] not in Listing.Status.values:
                raise InvalidInput(_("Estado desconocido."), field="status")
            listings = listings.filter(status=query["status"])
        if query.get("city"):
            listings = listings.filter(city_id=_int(query["city"], "city"))
        page = self.paginate_queryset(selectors.listings_with_details(listings))
        return self.get_paginated_response(serializers.ListingSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        listing = selectors.access_listing(user=request.user, listing_id=int(pk))
        return Response(serializers.ListingSerializer(listing).data)

    @extend_schema(
        summary="Crear un alojamiento (borrador; solo anfitriones)",
        request=serializers.ListingInputSerializer,
        responses={201: serializers.ListingSerializer},
    )
    def create(self, request):
        data = _valid(serializers.ListingInputSerializer, request)
        listing = listings.listing_create(host=request.user, **data)
        return Response(self._shown(listing.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Cambiar un alojamiento propio",
        request=serializers.ListingInputSerializer,
        responses=serializers.ListingSerializer,
    )
    def partial_update(self, request, pk=None):
        listing = selectors.access_own_listing(user=request.user, listing_id=int(pk))
        data = _valid(serializers.ListingInputSerializer, request, partial=True)
        listings.listing_update(listing=listing, **data)
        return Response(self._shown(listing.pk))

    @extend_schema(summary="Eliminar un borrador propio", responses={204: None})
    def destroy(self, request, pk=None):
        listing = selectors.access_own_listing(user=request.user, listing_id=int(pk))
        listings.listing_delete(listing=listing)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="Publicar (comprueba que esté completo)", request=None)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        listing = selectors.access_own_listing(user=request.user, listing_id=int(pk))
        listings.listing_publish(listing=listing)
        return Response(self._shown(listing.pk))

    @extend_schema(summary="Retirar de la búsqueda (sus reservas siguen)", request=None)
    @action(detail=True, methods=["post"])
    def unlist(self, request, pk=None):
        listing = selectors.access_own_listing(user=request.user, listing_id=int(pk))
        listings.listing_unlist(listing=listing)
        return Response(self._shown(listing.pk))

    # --- photos -------------------------------------------------------------------------

    @extend_schema(
        methods=["GET"],
        summary="Fotos de un alojamiento propio",
        responses={200: serializers.PhotoSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Subir una foto (se procesa en segundo plano)",
        request={"multipart/form-data": serializers.PhotoUploadSerializer},
        responses={202: serializers.PhotoSerializer},
    )
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser, FormParser], pagination_class=None)
    def photos(self, request, pk=None):
        listing = selectors.access_own_listing(user=request.user, listing_id=int(pk))
        if request.method == "GET":
            return Response(serializers.PhotoSerializer(listing.photos.order_by("position", "id"), many=True).data)
        upload = _valid(serializers.PhotoUploadSerializer, request)
        photo = photos.photo_upload(listing=listing, file=upload["file"])
        return Response(serializers.PhotoSerializer(photo).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        methods=["PATCH"],
        summary="Ordenar una foto o hacerla portada",
        request=serializers.PhotoUpdateSerializer,
        responses=serializers.PhotoSerializer,
    )
    @extend_schema(methods=["DELETE"], summary="Borrar una foto (y sus archivos)", responses={204: None})
    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path=r"photos/(?P<photo_id>[0-9]+)",
        parser_classes=[JSONParser, FormParser],
    )
    def photo(self, request, pk=None, photo_id=None):
        photo = selectors.access_own_listing_photo(user=request.user, listing_id=int(pk), photo_id=int(photo_id))
        if request.method == "DELETE":
            photos.photo_delete(photo=photo)
            return Response(status=status.HTTP_204_NO_CONTENT)
        data = _valid(serializers.PhotoUpdateSerializer, request)
        return Response(serializers.PhotoSerializer(photos.photo_update(photo=photo, **data)).data)

    @extend_schema(
        summary="Procesar otra vez una foto que falló", request=None, responses={202: serializers.PhotoSerializer}
    )
    @action(detail=True, methods=["post"], url_path=r"photos/(?P<photo_id>[0-9]+)/retry")
    def photo_retry(self, request, pk=None, photo_id=None):
        photo = selectors.access_own_listing_photo(user=request.user, listing_id=int(pk), photo_id=int(photo_id))
        return Response(
            serializers.PhotoSerializer(photos.photo_retry(photo=photo)).data, status=status.HTTP_202_ACCEPTED
        )

    # --- calendar -------------------------------------------------------------------------

    @extend_schema(
        summary="Noches del alojamiento: libres, reservadas, bloqueadas o pasadas, con su precio",
        parameters=[
            OpenApiParameter("month", OpenApiTypes.STR, description="AAAA-MM"),
            OpenApiParameter("from", OpenApiTypes.DATE, description="Primera noche (con `to`)."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Mañana de salida: la última noche es la anterior."),
        ],
        responses=serializers.AvailabilitySerializer,
    )
    @action(detail=True, methods=["get"], permission_classes=[permissions.AllowAny])
    def availability(self, request, pk=None):
        listing = selectors.access_listing_row(user=request.user, listing_id=int(pk))
        query = serializers.AvailabilityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, end = query.validated_data["start"], query.validated_data["end"]
        today = timezone.localdate()

        # Yesterday's nights turn "past" at midnight: the day is part of the key.
        return cached_json_response(
            request,
            namespace=AVAILABILITY_NAMESPACE,
            key=f"{listing.pk}|{start}|{end}|{today}",
            scopes=(availability_scope(listing.pk),),
            compute=lambda: self._calendar(listing, start, end, today),
        )

    @extend_schema(
        methods=["POST"],
        summary="Bloquear noches (se unen a los bloqueos que toquen)",
        request=serializers.BlockSerializer,
        responses={201: serializers.AvailabilitySerializer},
    )
    @extend_schema(
        methods=["DELETE"],
        summary="Desbloquear las noches de un rango",
        parameters=[
            OpenApiParameter("start_date", OpenApiTypes.DATE, required=True),
            OpenApiParameter("end_date", OpenApiTypes.DATE, required=True),
        ],
        responses=serializers.AvailabilitySerializer,
    )
    @action(detail=True, methods=["post", "delete"], parser_classes=[JSONParser, FormParser])
    def blocks(self, request, pk=None):
        listing = selectors.access_own_listing(user=request.user, listing_id=int(pk))
        if request.method == "DELETE":
            query = serializers.DateRangeSerializer(data=request.query_params)
            query.is_valid(raise_exception=True)
            nights = query.validated_data
            calendar.calendar_unblock(listing=listing, start_date=nights["start_date"], end_date=nights["end_date"])
            return Response(self._calendar(listing, nights["start_date"], nights["end_date"]))
        block = _valid(serializers.BlockSerializer, request)
        calendar.calendar_block(listing=listing, **block)
        return Response(self._calendar(listing, block["start_date"], block["end_date"]), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Precio de las noches de un rango (null: el del alojamiento)",
        request=serializers.NightPricesSerializer,
        responses=serializers.AvailabilitySerializer,
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, FormParser])
    def prices(self, request, pk=None):
        listing = selectors.access_own_listing(user=request.user, listing_id=int(pk))
        data = _valid(serializers.NightPricesSerializer, request)
        calendar.night_prices_set(listing=listing, **data)
        return Response(self._calendar(listing, data["start_date"], data["end_date"]))

    # --- search ---------------------------------------------------------------------------

    @extend_schema(
        summary="Buscar alojamientos publicados",
        parameters=SEARCH_PARAMETERS,
        responses=serializers.SearchPageSerializer,
    )
    @action(detail=False, methods=["get"], permission_classes=[permissions.AllowAny])
    def search(self, request):
        # Served from the cache by core.api.caching (the route is registered
        # in bookings.registrations): this runs on a miss, with the query
        # reduced to the parameters the search understands.
        filters = search_filters_from_query(request.query_params)
        page = search_page(filters)
        results = serializers.SearchResultSerializer(page.listings, many=True, context={"nights": filters.nights})
        return Response({"results": results.data, "next": _next_link(request, page.next_cursor)})

    def _shown(self, listing_id: int) -> dict:
        return serializers.ListingSerializer(
            selectors.access_listing(user=self.request.user, listing_id=listing_id)
        ).data

    def _calendar(self, listing: Listing, start: datetime.date, end: datetime.date, today=None) -> dict:
        nights = listing_nights(listing=listing, start=start, end=end, today=today or timezone.localdate())
        currency = listing.currency.code if listing.currency else None
        return serializers.AvailabilitySerializer(
            {"listing": listing.pk, "currency": currency, "start": start, "end": end, "nights": nights}
        ).data


@extend_schema_view(
    list=extend_schema(summary="Comodidades (catálogo)"),
    retrieve=extend_schema(summary="Una comodidad por código"),
)
class AmenityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Served from the cache (core.api.caching): read often, changed in the admin."""

    queryset = Amenity.objects.order_by("position", "code")
    serializer_class = serializers.AmenitySerializer
    permission_classes = [permissions.AllowAny]
    pagination_class = None
    lookup_field = "code"

    @classmethod
    def as_view(cls, actions=None, **initkwargs):
        return cached_view(super().as_view(actions, **initkwargs))


class BecomeHostView(APIView):
    @extend_schema(
        summary="Hacerse anfitrión (para publicar alojamientos)",
        request=None,
        responses={200: OpenApiResponse(serializers.HostStatusSerializer)},
    )
    def post(self, request):
        return Response(serializers.HostStatusSerializer(listings.host_become(user=request.user)).data)


def _next_link(request, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    query = request.query_params.copy()
    query["cursor"] = cursor
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def _int(value: str, field: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(_("Debe ser un número entero."), field=field) from None


def _valid(serializer_class, request, partial: bool = False) -> dict:
    serializer = serializer_class(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
