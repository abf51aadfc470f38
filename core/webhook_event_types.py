"""Every event type an endpoint may subscribe to, in one place.

A feature emits its events with core.services.webhooks.webhook_event_emit and
lists them here when it lands; endpoints can only subscribe to what is
listed. Types whose features do not exist yet are not listed, so nobody
subscribes to an event that never comes."""

from django.utils.translation import gettext_lazy as _

INVOICE_ISSUED = "invoice.issued"
NOTIFICATION_CREATED = "notification.created"
TICKET_PARSED = "ticket.parsed"
# Land with their features (bookings, payments, tickets, chat):
# booking.created, booking.confirmed, booking.cancelled, payment.succeeded,
# message.created.

EVENT_TYPES = {
    INVOICE_ISSUED: _("Se emitió una factura (eventos de la agencia: solo endpoints del personal)."),
    NOTIFICATION_CREATED: _("Una notificación para el dueño del endpoint (canal webhook)."),
    TICKET_PARSED: _("Se procesó un boleto importado (eventos de la agencia: solo endpoints del personal)."),
}
