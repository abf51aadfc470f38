"""A listing's photos: the original as uploaded, and the copies a worker
makes of it (a large one and a thumbnail, in JPEG and WebP)."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def photo_path(photo: "ListingPhoto", filename: str) -> str:
    # A random name: the upload's name is the uploader's and says nothing here.
    return f"listings/{photo.listing_id}/{uuid.uuid4().hex}{filename[filename.rfind('.') :][:6].lower()}"


class ListingPhoto(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("En proceso")
        READY = "ready", _("Lista")
        FAILED = "failed", _("Falló")

    listing = models.ForeignKey(
        "bookings.Listing", verbose_name=_("alojamiento"), on_delete=models.CASCADE, related_name="photos"
    )
    original = models.FileField(_("original"), upload_to=photo_path, max_length=200)
    content_type = models.CharField(_("tipo"), max_length=40)
    size = models.PositiveIntegerField(_("tamaño"))
    large_jpeg = models.FileField(_("grande (JPEG)"), upload_to=photo_path, max_length=200, blank=True)
    large_webp = models.FileField(_("grande (WebP)"), upload_to=photo_path, max_length=200, blank=True)
    thumb_jpeg = models.FileField(_("miniatura (JPEG)"), upload_to=photo_path, max_length=200, blank=True)
    thumb_webp = models.FileField(_("miniatura (WebP)"), upload_to=photo_path, max_length=200, blank=True)
    width = models.PositiveIntegerField(_("ancho"), null=True, blank=True)
    height = models.PositiveIntegerField(_("alto"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("orden"), default=0)
    is_cover = models.BooleanField(_("portada"), default=False)
    status = models.CharField(_("estado"), max_length=10, choices=Status.choices, default=Status.PENDING)
    failure_reason = models.CharField(_("motivo del fallo"), max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(_("intentos"), default=0)
    created_at = models.DateTimeField(_("subida"), auto_now_add=True)
    processed_at = models.DateTimeField(_("procesada"), null=True, blank=True)

    class Meta:
        verbose_name = _("foto")
        verbose_name_plural = _("fotos")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["listing"], condition=Q(is_cover=True), name="listing_photo_one_cover"),
        ]
        indexes = [models.Index(fields=["listing", "position"], name="listing_photo_order")]

    def __str__(self) -> str:
        return f"{self.listing_id} #{self.position}"

    @property
    def derived_files(self) -> list[models.fields.files.FieldFile]:
        return [self.large_jpeg, self.large_webp, self.thumb_jpeg, self.thumb_webp]
