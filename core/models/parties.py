"""Who the agency sells to and buys from, and what it sells."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models.catalogs import Airline, Country


class Client(models.Model):
    class Kind(models.TextChoices):
        PERSON = "person", _("Persona")
        COMPANY = "company", _("Empresa")

    class DocumentType(models.TextChoices):
        DNI = "dni", "DNI"
        RUC = "ruc", "RUC"
        FOREIGNER_CARD = "ce", _("Carné de extranjería")
        PASSPORT = "passport", _("Pasaporte")
        NATIONAL_ID = "national_id", _("Documento nacional de identidad")
        TAX_ID = "tax_id", _("Identificación tributaria")

    kind = models.CharField(_("tipo"), max_length=10, choices=Kind.choices, default=Kind.PERSON)
    name = models.CharField(_("nombre o razón social"), max_length=200)
    document_type = models.CharField(_("tipo de documento"), max_length=12, choices=DocumentType.choices)
    document_number = models.CharField(_("número de documento"), max_length=20)
    email = models.EmailField(_("correo electrónico"), blank=True)
    phone = models.CharField(_("teléfono"), max_length=30, blank=True)
    address = models.CharField(_("dirección fiscal"), max_length=250, blank=True)
    country = models.ForeignKey(
        Country, verbose_name=_("país"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    preferred_language = models.CharField(
        _("idioma preferido"), max_length=2, choices=[("es", "Español"), ("en", "English")], default="es"
    )
    created_at = models.DateTimeField(_("creado"), auto_now_add=True)

    class Meta:
        verbose_name = _("cliente")
        verbose_name_plural = _("clientes")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["document_type", "document_number"], name="client_document_unique"),
        ]
        indexes = [models.Index(fields=["name"], name="client_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_document_type_display()} {self.document_number})"


class Supplier(models.Model):
    class Kind(models.TextChoices):
        AIRLINE = "airline", _("Aerolínea")
        HOTEL = "hotel", _("Hotel")
        OPERATOR = "operator", _("Operador turístico")
        CAR_RENTAL = "car_rental", _("Alquiler de autos")
        INSURER = "insurer", _("Aseguradora")
        OTHER = "other", _("Otro")

    name = models.CharField(_("nombre"), max_length=200)
    kind = models.CharField(_("tipo"), max_length=12, choices=Kind.choices)
    airline = models.ForeignKey(
        Airline,
        verbose_name=_("aerolínea del catálogo"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="suppliers",
    )
    tax_id = models.CharField(_("identificación tributaria"), max_length=20, blank=True)
    email = models.EmailField(_("correo electrónico"), blank=True)
    phone = models.CharField(_("teléfono"), max_length=30, blank=True)
    country = models.ForeignKey(
        Country, verbose_name=_("país"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    active = models.BooleanField(_("activo"), default=True)

    class Meta:
        verbose_name = _("proveedor")
        verbose_name_plural = _("proveedores")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(airline__isnull=True) | models.Q(kind="airline"),
                name="supplier_airline_only_for_airlines",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    class Kind(models.TextChoices):
        AIR_TICKET = "air_ticket", _("Boleto aéreo")
        HOTEL = "hotel", _("Hotel")
        CAR = "car", _("Auto")
        TOUR = "tour", _("Tour")
        INSURANCE = "insurance", _("Seguro")
        FEE = "fee", _("Cargo por servicio")

    name = models.CharField(_("nombre"), max_length=200)
    kind = models.CharField(_("tipo"), max_length=12, choices=Kind.choices)
    supplier = models.ForeignKey(
        Supplier, verbose_name=_("proveedor"), on_delete=models.PROTECT, null=True, blank=True, related_name="products"
    )

    class SoldOn(models.TextChoices):
        # Taxable revenue of the agency: IGV by rate.
        OWN_ACCOUNT = "own_account", _("Cuenta propia")
        # Collected for the supplier (an airline's fare and taxes): no IGV,
        # owed to the supplier, not revenue.
        THIRD_PARTY = "third_party", _("Por cuenta de terceros")

    sold_on = models.CharField(_("se vende por"), max_length=12, choices=SoldOn.choices, default=SoldOn.OWN_ACCOUNT)
    # Percent applied to an item's subtotal unless the item states its own taxes.
    default_tax_rate = models.DecimalField(_("impuesto por defecto (%)"), max_digits=5, decimal_places=2, default=0)
    active = models.BooleanField(_("activo"), default=True)

    class Meta:
        verbose_name = _("producto o servicio")
        verbose_name_plural = _("productos y servicios")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name
