"""A listing's photos: upload (checked from the bytes, never the name),
processing by a worker into web-sized copies without metadata, order and
cover, retry and delete.

An upload is refused with the reason when it is not a JPEG, PNG or WebP
image, weighs more than 15 MB, measures less than 400 or more than 12,000 px
on a side, or would decode into more pixels than PHOTO_MAX_PIXELS (a
decompression bomb: a small file that expands to gigabytes in memory)."""

import logging
import warnings
from io import BytesIO

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from bookings.cache_scopes import listing_caches_invalidate
from bookings.models import Listing, ListingPhoto
from core.exceptions import Conflict, InvalidInput, PayloadTooLarge
from core.services.task_dispatch import task_send_on_commit

logger = logging.getLogger(__name__)

MAX_PHOTO_BYTES = 15 * 1024 * 1024
MIN_SIDE_PX = 400
MAX_SIDE_PX = 12_000
PHOTO_MAX_PIXELS = 60_000_000
# Pillow refuses to decode anything over twice this and warns above it: the
# limit is set here, not left to its default, and the warning is an error.
Image.MAX_IMAGE_PIXELS = PHOTO_MAX_PIXELS
warnings.simplefilter("error", Image.DecompressionBombWarning)
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
LARGE_WIDTH_PX = 1920
THUMBNAIL_WIDTH_PX = 400
Status = ListingPhoto.Status


def photo_upload(*, listing: Listing, file) -> ListingPhoto:
    """Store the original and a pending photo; a worker makes its copies
    once the transaction commits. The listing's first photo is its cover."""
    if file.size > MAX_PHOTO_BYTES:
        raise _too_large()
    data = file.read(MAX_PHOTO_BYTES + 1)
    if len(data) > MAX_PHOTO_BYTES:
        raise _too_large()
    content_type = photo_content_type(data)
    with transaction.atomic():
        # The listing's row orders concurrent uploads (position, first cover).
        Listing.objects.select_for_update().filter(pk=listing.pk).first()
        last = listing.photos.aggregate(last=Max("position"))["last"]
        photo = ListingPhoto(
            listing=listing,
            content_type=content_type,
            size=len(data),
            position=0 if last is None else last + 1,
            is_cover=not listing.photos.filter(is_cover=True).exists(),
        )
        photo.original.save(f"original.{content_type.split('/')[1]}", ContentFile(data), save=False)
        photo.save()
        task_send_on_commit("bookings.process_photo", photo.pk)
    return photo


def photo_content_type(data: bytes) -> str:
    """The image type read from the bytes, or InvalidInput saying what is wrong."""
    try:
        with Image.open(BytesIO(data)) as image:
            image_format, (width, height) = image.format, image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as bomb:
        raise _too_many_pixels() from bomb
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as unreadable:
        raise InvalidInput(
            _("El archivo no es una imagen que podamos leer (se aceptan JPEG, PNG y WebP)."),
            code="not_an_image",
            field="file",
        ) from unreadable
    if image_format not in FORMATS:
        raise InvalidInput(
            _("Las imágenes %(format)s no se aceptan; use JPEG, PNG o WebP.") % {"format": image_format},
            code="unsupported_image",
            field="file",
        )
    if width * height > PHOTO_MAX_PIXELS:
        raise _too_many_pixels()
    if min(width, height) < MIN_SIDE_PX or max(width, height) > MAX_SIDE_PX:
        raise InvalidInput(
            _("La imagen mide %(width)d × %(height)d px; cada lado debe medir entre %(min)d y %(max)d px.")
            % {"width": width, "height": height, "min": MIN_SIDE_PX, "max": MAX_SIDE_PX},
            code="bad_dimensions",
            field="file",
        )
    return FORMATS[image_format]


def _too_large() -> PayloadTooLarge:
    return PayloadTooLarge(
        _("La foto supera el máximo de %(megabytes)d MB.") % {"megabytes": MAX_PHOTO_BYTES // (1024 * 1024)},
        field="file",
    )


def _too_many_pixels() -> InvalidInput:
    return InvalidInput(
        _("La imagen tiene más de %(megapixels)d megapíxeles; no se procesa.")
        % {"megapixels": PHOTO_MAX_PIXELS // 1_000_000},
        code="too_many_pixels",
        field="file",
    )


def photo_process(*, photo_id: int) -> bool:
    """Make the large copy and the thumbnail (JPEG and WebP) of a pending
    photo, upright and without metadata (no EXIF, no GPS). Returns False,
    doing nothing, when the photo is gone or no longer pending."""
    photo = ListingPhoto.objects.filter(pk=photo_id, status=Status.PENDING).first()
    if photo is None:
        return False
    ListingPhoto.objects.filter(pk=photo_id).update(attempts=F("attempts") + 1)
    try:
        with photo.original.open("rb") as original, Image.open(original) as image:
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning) as failure:
        logger.warning("listing photo %s could not be read: %s", photo_id, failure)
        ListingPhoto.objects.filter(pk=photo_id, status=Status.PENDING).update(
            status=Status.FAILED, failure_reason=_("La imagen no se pudo leer: %(error)s") % {"error": failure}
        )
        return False
    large = image_fitted(upright, LARGE_WIDTH_PX)
    thumbnail = image_fitted(upright, THUMBNAIL_WIDTH_PX)
    storage = photo.original.storage
    names = {
        "large_jpeg": storage.save(f"listings/{photo.listing_id}/{photo.pk}-large.jpg", image_encoded(large, "JPEG")),
        "large_webp": storage.save(f"listings/{photo.listing_id}/{photo.pk}-large.webp", image_encoded(large, "WEBP")),
        "thumb_jpeg": storage.save(
            f"listings/{photo.listing_id}/{photo.pk}-thumb.jpg", image_encoded(thumbnail, "JPEG")
        ),
        "thumb_webp": storage.save(
            f"listings/{photo.listing_id}/{photo.pk}-thumb.webp", image_encoded(thumbnail, "WEBP")
        ),
    }
    with transaction.atomic():
        # Two runs may process at once: the first to record its files wins.
        recorded = ListingPhoto.objects.filter(pk=photo_id, status=Status.PENDING).update(
            status=Status.READY,
            width=large.width,
            height=large.height,
            processed_at=timezone.now(),
            failure_reason="",
            **names,
        )
        if recorded:
            listing_caches_invalidate(photo.listing)
    if not recorded:
        for name in names.values():
            storage.delete(name)
    return bool(recorded)


def image_fitted(image: Image.Image, width: int) -> Image.Image:
    if image.width <= width:
        return image
    return image.resize((width, round(image.height * width / image.width)), Image.Resampling.LANCZOS)


def image_encoded(image: Image.Image, image_format: str) -> ContentFile:
    # Nothing of the original's metadata is passed on: no EXIF, no ICC, no XMP.
    buffer = BytesIO()
    if image_format == "JPEG":
        image.save(buffer, "JPEG", quality=82, optimize=True, progressive=True)
    else:
        image.save(buffer, "WEBP", quality=80, method=4)
    return ContentFile(buffer.getvalue())


def photo_retry(*, photo: ListingPhoto) -> ListingPhoto:
    with transaction.atomic():
        if not ListingPhoto.objects.filter(pk=photo.pk, status=Status.FAILED).update(
            status=Status.PENDING, failure_reason=""
        ):
            raise Conflict(_("Solo se reintenta una foto cuyo proceso falló."), code="invalid_transition")
        task_send_on_commit("bookings.process_photo", photo.pk)
    photo.refresh_from_db()
    return photo


def photo_update(*, photo: ListingPhoto, position: int | None = None, is_cover: bool | None = None) -> ListingPhoto:
    """Move the photo in the listing's order, or make it the cover."""
    with transaction.atomic():
        Listing.objects.select_for_update().filter(pk=photo.listing_id).first()
        if position is not None:
            photo.position = position
            photo.save(update_fields=["position"])
        if is_cover:
            ListingPhoto.objects.filter(listing_id=photo.listing_id, is_cover=True).exclude(pk=photo.pk).update(
                is_cover=False
            )
            ListingPhoto.objects.filter(pk=photo.pk).update(is_cover=True)
        listing_caches_invalidate(photo.listing)
    photo.refresh_from_db()
    return photo


def photo_delete(*, photo: ListingPhoto) -> None:
    """Remove the photo and, once that commits, its files. A published
    listing keeps at least one ready photo; a deleted cover passes to the next."""
    listing = photo.listing
    with transaction.atomic():
        Listing.objects.select_for_update().filter(pk=listing.pk).first()
        others = listing.photos.exclude(pk=photo.pk)
        if listing.status == Listing.Status.PUBLISHED and not others.filter(status=Status.READY).exists():
            raise Conflict(
                _("Un alojamiento publicado necesita al menos una foto; retírelo antes de borrar la última."),
                code="last_photo",
            )
        files = [file.name for file in (photo.original, *photo.derived_files) if file]
        storage = photo.original.storage
        photo.delete()
        if photo.is_cover and (successor := others.order_by("position", "id").first()):
            ListingPhoto.objects.filter(pk=successor.pk).update(is_cover=True)
        transaction.on_commit(lambda: [storage.delete(name) for name in files], robust=True)
        listing_caches_invalidate(listing)
