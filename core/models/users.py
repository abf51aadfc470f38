from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
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

    def save(self, *args, **kwargs):
        # set_password() leaves the new raw password in _password until the
        # save (Django then tells the validators); a changed password ends
        # every API token given under the old one, whoever changed it
        # (admin, changepassword, a service).
        password_changed = self._password is not None and self.pk is not None
        super().save(*args, **kwargs)
        if password_changed:
            self.api_tokens.all().delete()


class ApiToken(models.Model):
    """An API token of a user (`Authorization: Token <key>`). Only the
    SHA-256 of the key is kept: a copy of the table opens no account. It
    lasts API_TOKEN_LIFETIME_DAYS from its last use."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("usuario"))
    digest = models.CharField(_("huella"), max_length=64, unique=True)
    # The first characters of the key, for the user to tell their tokens apart.
    prefix = models.CharField(_("prefijo"), max_length=8)
    name = models.CharField(_("nombre"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("creado"), default=timezone.now)
    last_used_at = models.DateTimeField(_("último uso"), null=True, blank=True)
    expires_at = models.DateTimeField(_("vence"), db_index=True)

    class Meta:
        verbose_name = _("token de API")
        verbose_name_plural = _("tokens de API")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user_id})"
