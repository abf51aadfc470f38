"""Reference catalogs loaded from maintained data packages (load_catalogs)."""

from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.money import MAX_MINOR_UNITS
from core.text import search_key


class BilingualName(models.Model):
    """Spanish and English names; `name` follows the active language."""

    name_es = models.CharField(_("nombre (español)"), max_length=120)
    name_en = models.CharField(_("nombre (inglés)"), max_length=120)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        language = (get_language() or "es")[:2]
        return self.name_en if language == "en" else self.name_es


class SearchableName(models.Model):
    """Keeps `search_name`, the lower-case accent-free form of `name`, so that
    an accent-insensitive prefix search is an indexed LIKE on both databases."""

    search_name = models.CharField(max_length=200, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, update_fields=None, **kwargs):
        self.search_name = search_key(self.name)
        if update_fields is not None and "name" in update_fields:
            update_fields = {*update_fields, "search_name"}
        super().save(*args, update_fields=update_fields, **kwargs)


class Currency(BilingualName):
    code = models.CharField(
        _("código ISO 4217"),
        max_length=3,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{3}\Z", _("El código ISO 4217 son tres letras mayúsculas (p. ej. PEN)."))],
    )
    numeric_code = models.CharField(_("código numérico"), max_length=3, blank=True)
    symbol = models.CharField(_("símbolo"), max_length=8, blank=True)
    # Digits after the decimal point: 2 for PEN, 0 for JPY, 3 for KWD, 4 for CLF.
    minor_units = models.PositiveSmallIntegerField(
        _("decimales"), default=2, validators=[MaxValueValidator(MAX_MINOR_UNITS)]
    )
    active = models.BooleanField(_("activa"), default=True)
    # Withdrawn from ISO 4217 (VEF, VEB) but still printed on tickets staff
    # import: kept so those tickets can be sold, not offered for new prices.
    historic = models.BooleanField(_("histórica"), default=False)

    class Meta:
        verbose_name = _("moneda")
        verbose_name_plural = _("monedas")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minor_units__lte=MAX_MINOR_UNITS), name="currency_minor_units_at_most_4"
            ),
        ]


class Country(BilingualName):
    code = models.CharField(_("código ISO 3166 alfa-2"), max_length=2, unique=True)
    alpha3 = models.CharField(_("código alfa-3"), max_length=3, unique=True)
    numeric_code = models.CharField(_("código numérico"), max_length=3, blank=True)
    phone_prefix = models.CharField(_("prefijo telefónico"), max_length=16, blank=True)
    currency = models.ForeignKey(
        Currency,
        verbose_name=_("moneda"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="countries",
    )

    class Meta:
        verbose_name = _("país")
        verbose_name_plural = _("países")
        ordering = ["code"]


class City(SearchableName):
    geonames_id = models.PositiveIntegerField(_("id GeoNames"), unique=True, null=True, blank=True)
    country = models.ForeignKey(Country, verbose_name=_("país"), on_delete=models.PROTECT, related_name="cities")
    name = models.CharField(_("nombre"), max_length=200)
    iata_code = models.CharField(_("código IATA"), max_length=3, blank=True, db_index=True)
    time_zone = models.CharField(_("zona horaria"), max_length=64)
    latitude = models.DecimalField(_("latitud"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitud"), max_digits=9, decimal_places=6)
    population = models.PositiveIntegerField(_("población"), default=0)

    class Meta:
        verbose_name = _("ciudad")
        verbose_name_plural = _("ciudades")
        ordering = ["-population", "name", "id"]
        indexes = [
            models.Index(fields=["search_name"], name="city_search_name", opclasses=["varchar_pattern_ops"]),
            models.Index(
                fields=["country", "search_name"],
                name="city_country_search_name",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
            models.Index(fields=["-population", "name", "id"], name="city_population_order"),
            models.Index(fields=["country", "-population"], name="city_country_population"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.country_id})"


class Airline(models.Model):
    class Source(models.TextChoices):
        OPENFLIGHTS = "openflights", "OpenFlights"
        OVERRIDE = "override", _("corrección propia")

    openflights_id = models.PositiveIntegerField(_("id OpenFlights"), unique=True, null=True, blank=True)
    iata_code = models.CharField(_("código IATA"), max_length=2, blank=True)
    icao_code = models.CharField(_("código OACI"), max_length=3, blank=True)
    name = models.CharField(_("nombre"), max_length=200)
    callsign = models.CharField(_("indicativo"), max_length=100, blank=True)
    country = models.ForeignKey(
        Country,
        verbose_name=_("país"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="airlines",
    )
    active = models.BooleanField(_("activa"), default=True)
    source = models.CharField(_("origen"), max_length=12, choices=Source.choices, default=Source.OPENFLIGHTS)

    class Meta:
        verbose_name = _("aerolínea")
        verbose_name_plural = _("aerolíneas")
        ordering = ["iata_code", "name", "id"]
        constraints = [
            # Tickets name carriers by IATA code; among active airlines it must be unambiguous.
            models.UniqueConstraint(
                fields=["iata_code"],
                condition=models.Q(active=True) & ~models.Q(iata_code=""),
                name="airline_active_iata_unique",
            ),
        ]
        indexes = [models.Index(fields=["icao_code"], name="airline_icao")]

    def __str__(self) -> str:
        return f"{self.iata_code or self.icao_code} {self.name}"


class Airport(SearchableName):
    iata_code = models.CharField(_("código IATA"), max_length=3, unique=True)
    icao_code = models.CharField(_("código OACI"), max_length=4, blank=True)
    name = models.CharField(_("nombre"), max_length=200)
    city_name = models.CharField(_("ciudad"), max_length=200, blank=True)
    city = models.ForeignKey(
        City,
        verbose_name=_("ciudad del catálogo"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="airports",
    )
    country = models.ForeignKey(Country, verbose_name=_("país"), on_delete=models.PROTECT, related_name="airports")
    time_zone = models.CharField(_("zona horaria"), max_length=64, blank=True)
    latitude = models.DecimalField(_("latitud"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitud"), max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        verbose_name = _("aeropuerto")
        verbose_name_plural = _("aeropuertos")
        ordering = ["iata_code"]
        indexes = [
            models.Index(fields=["search_name"], name="airport_search_name", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["country", "iata_code"], name="airport_country_iata"),
        ]

    def __str__(self) -> str:
        return f"{self.iata_code} {self.name}"
