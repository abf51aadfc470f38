"""Listings: a host's place, its amenities and what a stay there costs."""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models.catalogs import BilingualName
from core.money import money_field

MAX_NIGHTS = 365
# Read by the search's filters and sorts (bookings.selectors.search).
SEARCH_COLUMNS = ["max_guests", "min_nights", "max_nights", "currency", "property_type", "published_at"]


class PropertyType(models.TextChoices):
    APARTMENT = "apartment", _("Departamento")
    HOUSE = "house", _("Casa")
    ROOM = "room", _("Habitación")
    CABIN = "cabin", _("Cabaña")
    LOFT = "loft", _("Loft")
    VILLA = "villa", _("Villa")
    BUNGALOW = "bungalow", _("Bungaló")


class CancellationPolicy(models.TextChoices):
    """What a cancelled stay gives back: bookings.cancellation holds the rules."""

    FLEXIBLE = "flexible", _("Flexible")
    MODERATE = "moderate", _("Moderada")
    STRICT = "strict", _("Estricta")


class Amenity(BilingualName):
    code = models.SlugField(_("código"), max_length=40, unique=True)
    position = models.PositiveSmallIntegerField(_("orden"), default=0)

    class Meta:
        verbose_name = _("comodidad")
        verbose_name_plural = _("comodidades")
        ordering = ["position", "code"]


class Listing(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Borrador")
        PUBLISHED = "published", _("Publicado")
        UNLISTED = "unlisted", _("No listado")

    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("anfitrión"), on_delete=models.PROTECT, related_name="listings"
    )
    title = models.CharField(_("título"), max_length=120)
    description = models.TextField(_("descripción"), blank=True)
    property_type = models.CharField(
        _("tipo de propiedad"), max_length=20, choices=PropertyType.choices, default=PropertyType.APARTMENT
    )
    # A draft may lack what publishing requires (bookings.services.listings).
    city = models.ForeignKey(
        "core.City", verbose_name=_("ciudad"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    address = models.CharField(_("dirección"), max_length=255, blank=True)
    latitude = models.DecimalField(_("latitud"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitud"), max_digits=9, decimal_places=6, null=True, blank=True)
    max_guests = models.PositiveSmallIntegerField(_("huéspedes como máximo"), default=1)
    bedrooms = models.PositiveSmallIntegerField(_("dormitorios"), default=1)
    beds = models.PositiveSmallIntegerField(_("camas"), default=1)
    bathrooms = models.DecimalField(_("baños"), max_digits=3, decimal_places=1, default=1)
    currency = models.ForeignKey(
        "core.Currency", verbose_name=_("moneda"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    nightly_price = money_field(_("precio por noche"), null=True, blank=True, default=None)
    # Friday and Saturday nights, when the host charges them differently.
    weekend_price = money_field(_("precio de fin de semana"), null=True, blank=True, default=None)
    cleaning_fee = money_field(_("tarifa de limpieza"))
    amenities = models.ManyToManyField(Amenity, verbose_name=_("comodidades"), blank=True, related_name="+")
    min_nights = models.PositiveSmallIntegerField(_("noches como mínimo"), default=1)
    max_nights = models.PositiveSmallIntegerField(_("noches como máximo"), default=30)
    check_in_time = models.TimeField(_("hora de entrada"), default="15:00")
    check_out_time = models.TimeField(_("hora de salida"), default="11:00")
    cancellation_policy = models.CharField(
        _("política de cancelación"),
        max_length=10,
        choices=CancellationPolicy.choices,
        default=CancellationPolicy.MODERATE,
    )
    status = models.CharField(_("estado"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Title and description lower-case and without accents: the text search
    # on SQLite, and what PostgreSQL's search vector is made from.
    search_text = models.TextField(editable=False, blank=True)
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(_("creado"), auto_now_add=True)
    updated_at = models.DateTimeField(_("actualizado"), auto_now=True)
    published_at = models.DateTimeField(_("publicado"), null=True, blank=True)

    class Meta:
        verbose_name = _("alojamiento")
        verbose_name_plural = _("alojamientos")
        constraints = [
            models.CheckConstraint(condition=Q(max_guests__gte=1), name="listing_max_guests_positive"),
            models.CheckConstraint(
                condition=Q(min_nights__gte=1, max_nights__lte=MAX_NIGHTS, min_nights__lte=models.F("max_nights")),
                name="listing_nights_range",
            ),
            models.CheckConstraint(
                condition=Q(nightly_price__isnull=True) | Q(nightly_price__gt=0), name="listing_price_positive"
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="listing_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="listing_longitude_range",
            ),
        ]
        indexes = [
            # A host's listings, newest first.
            models.Index(fields=["host", "-created_at"], name="listing_host_newest"),
            # Search by city, cheapest first (the default sort), published only;
            # what the other filters read is in the index too, so a page's
            # candidates are found without reading the table.
            models.Index(
                fields=["city", "nightly_price", "id"],
                name="listing_search_city",
                condition=Q(status="published"),
                include=SEARCH_COLUMNS,
            ),
            # Search by a map's bounding box.
            models.Index(
                fields=["latitude", "longitude"],
                name="listing_search_bbox",
                condition=Q(status="published"),
                include=["nightly_price", *SEARCH_COLUMNS],
            ),
        ]

    def __str__(self) -> str:
        return self.title
