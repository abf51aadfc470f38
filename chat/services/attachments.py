"""A message's image: a worker makes its web-sized copy and thumbnail
(JPEG, upright, without metadata: no EXIF, no GPS), as for listing photos.
The original is never served."""

import logging

from django.db import transaction
from PIL import Image, ImageOps

from bookings.services.photos import LARGE_WIDTH_PX, THUMBNAIL_WIDTH_PX, image_encoded, image_fitted
from chat.models import Message

logger = logging.getLogger(__name__)


def attachment_process(*, message_id: int) -> bool:
    """Make the copies of a message's image. False, doing nothing, when the
    message is gone, deleted, already processed or its image unreadable."""
    pending = Message.objects.filter(pk=message_id, deleted_at__isnull=True, attachment_large="").exclude(attachment="")
    message = pending.first()
    if message is None:
        return False
    try:
        with message.attachment.open("rb") as original, Image.open(original) as image:
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning) as failure:
        logger.warning("chat attachment of message %s could not be read: %s", message_id, failure)
        return False
    storage = message.attachment.storage
    folder = f"chat/{message.conversation_id}"
    names = {
        "attachment_large": storage.save(
            f"{folder}/{message.pk}-large.jpg", image_encoded(image_fitted(upright, LARGE_WIDTH_PX), "JPEG")
        ),
        "attachment_thumb": storage.save(
            f"{folder}/{message.pk}-thumb.jpg", image_encoded(image_fitted(upright, THUMBNAIL_WIDTH_PX), "JPEG")
        ),
    }
    with transaction.atomic():
        # Two runs may race, or the sender may delete meanwhile: the first write wins.
        recorded = pending.update(**names)
    if not recorded:
        for name in names.values():
            storage.delete(name)
    return bool(recorded)
