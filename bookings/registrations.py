"""What the rentals app brings to the platform: its notification kinds,
webhook event types, cache namespaces, cached routes and their
Cache-Control, periodic tasks and demo data (core finds this module at
start-up)."""

from django.utils.translation import gettext_lazy as _

from bookings.api.search import SEARCH_QUERY_PARAMETERS, request_search_scopes
from bookings.cache_scopes import AVAILABILITY_NAMESPACE, SEARCH_NAMESPACE
from bookings.services.demo_data import rentals_demo_create
from core.api.caching import cache_control_register, cached_route_register
from core.cache import cache_namespace_register
from core.models import Channel
from core.notification_kinds import notification_kind_register
from core.services.demo_data import demo_data_register
from core.services.periodic_schedule import periodic_entry_register
from core.webhook_event_types import Audience, webhook_event_type_register

# --- notification kinds: to the guest and to the host ---------------------------------

for kind in (
    "booking_requested",
    "booking_confirmed",
    "booking_cancelled",
    "booking_expired",
    "booking_completed",
    "payment_succeeded",
    "payment_refunded",
    "booking_late_payment_refunded",
):
    notification_kind_register(kind, default_channels=(Channel.EMAIL, Channel.IN_APP, Channel.PUSH))

# --- webhook event types: each goes to the guest's and to the host's endpoints ---------

for event_type, description in (
    ("booking.created", _("Se hizo una reserva (pendiente de pago).")),
    ("booking.confirmed", _("Se pagó y confirmó una reserva.")),
    ("booking.cancelled", _("El huésped o el anfitrión canceló una reserva.")),
    ("booking.expired", _("Una reserva venció sin pago y liberó sus fechas.")),
    ("booking.completed", _("Terminó la estadía de una reserva.")),
    ("payment.succeeded", _("Se cobró el pago de una reserva.")),
    ("payment.refunded", _("Se reembolsó (total o parcialmente) el pago de una reserva.")),
):
    webhook_event_type_register(event_type, description=description, audience=Audience.OWNER)

# --- caching -------------------------------------------------------------------------

# Searches are answered from the cache for 5 minutes, less when a listing
# they could contain changes (bookings.cache_scopes).
cache_namespace_register(SEARCH_NAMESPACE, timeout=5 * 60)
# A listing's calendar by month, until the listing, a block, a price or a booking changes it.
cache_namespace_register(AVAILABILITY_NAMESPACE, timeout=60 * 60)
cache_namespace_register("amenities", timeout=60 * 60)
cached_route_register(
    "listings/search",
    namespace=SEARCH_NAMESPACE,
    params=SEARCH_QUERY_PARAMETERS,
    scopes=request_search_scopes,
    refuse_unknown=True,
)
cached_route_register("amenities", namespace="amenities")
cache_control_register("/api/amenities/", "public, max-age=3600")
# Public reads that change as soon as someone books: clients revalidate (ETag).
cache_control_register("/api/listings/search/", "public, no-cache")

# --- periodic tasks --------------------------------------------------------------------

periodic_entry_register(
    "unpaid bookings expiry",
    task="bookings.expire_unpaid",
    why="Unpaid bookings hold their nights for BOOKING_PAYMENT_MINUTES; a sweep each minute frees them "
    "within a minute of the deadline (one indexed query when none is due).",
    every_seconds=60,
)
periodic_entry_register(
    "stays completion",
    task="bookings.complete_stays",
    why="A stay is completed on its check-out day; hourly is soon enough for reviews and payouts.",
    every_seconds=60 * 60,
)
periodic_entry_register(
    "stale refunds resend",
    task="bookings.refunds_resend_stale",
    why="A refund whose task gave up while the provider was down is sent again 10 minutes on.",
    every_seconds=10 * 60,
)

demo_data_register("rentals", rentals_demo_create)
