"""Every kind of notification, with the channels it goes to unless the user
chose otherwise. The texts are templates in core/templates/notifications/
<kind>/ (subject.<lang>.txt and body.<lang>.txt, Spanish and English)."""

from dataclasses import dataclass

from core.models.notifications import Channel


@dataclass(frozen=True)
class NotificationKind:
    name: str
    default_channels: tuple[str, ...]


WEBHOOK_ENDPOINT_DISABLED = "webhook_endpoint_disabled"
# To the agency's clients, who have no account: e-mail only.
INVOICE_ISSUED = "invoice_issued"
PAYMENT_RECEIVED = "payment_received"

KINDS = {
    kind.name: kind
    for kind in (
        NotificationKind(WEBHOOK_ENDPOINT_DISABLED, (Channel.EMAIL, Channel.IN_APP)),
        NotificationKind(INVOICE_ISSUED, (Channel.EMAIL,)),
        NotificationKind(PAYMENT_RECEIVED, (Channel.EMAIL,)),
    )
}
