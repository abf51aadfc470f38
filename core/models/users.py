from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    class Role(models.TextChoices):
        STAFF = "staff", _("Personal de la agencia")
        HOST = "host", _("Anfitrión")
        GUEST = "guest", _("Huésped")

    email = models.EmailField(_("correo electrónico"))
    role = models.CharField(_("rol"), max_length=10, choices=Role.choices, default=Role.GUEST)
    preferred_language = models.CharField(
        _("idioma preferido"), max_length=5, choices=[("es", "Español"), ("en", "English")], default="es"
    )

    class Meta:
        verbose_name = _("usuario")
        verbose_name_plural = _("usuarios")
        constraints = [
            # Tokens can be obtained with the e-mail, so it must name one user.
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    @property
    def is_agency_staff(self) -> bool:
        return self.is_staff or self.role == self.Role.STAFF
