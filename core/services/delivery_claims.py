"""Claiming due deliveries whose sender was lost, notification and webhook
deliveries alike.

A delivery still `sending` when its sender's lease has run out was taken by a
sender that died (or hung) before writing its outcome. Taking it back counts
as an attempt, like any claim, and as a lost sender (`sender_lost_count`).
Once it has had all its attempts it is parked as dead instead: a delivery
that kills every worker that sends it would otherwise be taken back forever.
Since it may be what killed its sender, it is claimed alone: it cannot take
a batch down with it again, and the deliveries that shared its batch are not
blamed for it more than once."""

import logging
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Case, F, Model, PositiveSmallIntegerField, When
from django.utils.translation import ngettext

from core.models.notifications import DeliveryStatus

logger = logging.getLogger(__name__)

# The columns a claim reads of each due delivery, in DueDelivery's order.
DUE_FIELDS = ("id", "attempt_count", "status", "sender_lost_count")


@dataclass(frozen=True)
class DueDelivery:
    id: int
    attempt_count: int
    status: str
    sender_lost_count: int

    @property
    def sender_lost(self) -> bool:
        return self.status == DeliveryStatus.SENDING


def deliveries_to_claim(due: list[DueDelivery], *, max_attempts: int) -> tuple[list[DueDelivery], list[DueDelivery]]:
    """Split due deliveries into those to park as dead (their sender was
    lost on their last attempt) and those to claim now: one whose sender was
    lost, alone, or else the others."""
    lost = [delivery for delivery in due if delivery.sender_lost]
    spent = [delivery for delivery in lost if delivery.attempt_count >= max_attempts]
    suspects = [delivery for delivery in lost if delivery.attempt_count < max_attempts]
    return spent, suspects[:1] if suspects else [delivery for delivery in due if not delivery.sender_lost]


def deliveries_park_lost(model: type[Model], deliveries: list[DueDelivery]) -> None:
    """Park deliveries whose sender was lost on their last attempt as dead."""
    by_count: dict[int, list[int]] = defaultdict(list)
    for delivery in deliveries:
        by_count[delivery.sender_lost_count + 1].append(delivery.id)
    for count, ids in by_count.items():
        model.objects.filter(id__in=ids).update(
            status=DeliveryStatus.DEAD,
            sender_lost_count=count,
            last_error=ngettext(
                "El proceso que la enviaba se perdió %(count)d vez sin terminar y no quedan intentos.",
                "El proceso que la enviaba se perdió %(count)d veces sin terminar y no quedan intentos.",
                count,
            )
            % {"count": count},
        )
        logger.error("%s %s: dead, its sender was lost on its last attempt", model.__name__, ids)


def sender_lost_counted() -> Case:
    """A claim's new `sender_lost_count`: one more for a delivery still
    sending, taken back from a lost sender (SET reads the row before the UPDATE)."""
    return Case(
        When(status=DeliveryStatus.SENDING, then=F("sender_lost_count") + 1),
        default=F("sender_lost_count"),
        output_field=PositiveSmallIntegerField(),
    )
