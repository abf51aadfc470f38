"""What core brings to the platform it is: its notification kinds, webhook
event types, cache namespaces and cached routes, periodic tasks, and the
login throttle's signal receivers. Each app declares its own in a module like
this one, found by core.apps at start-up; nothing in core names those apps."""

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core import checks
from django.utils.translation import gettext_lazy as _

from core.api.caching import cache_control_register, cached_route_register
from core.api.login_throttle import logged_in_receive, login_failed_receive
from core.cache import cache_namespace_register
from core.catalogs import CATALOGS
from core.checks import platform_registrations_check
from core.models import Channel
from core.notification_kinds import notification_kind_register
from core.services.periodic_schedule import periodic_entry_register
from core.webhook_event_types import Audience, webhook_event_type_register

checks.register(platform_registrations_check)

# Failed logins, wherever Django authenticates (token endpoint, admin), are
# counted by the login throttle; a session login clears the account's count.
user_login_failed.connect(login_failed_receive, dispatch_uid="core.login_throttle.failed")
user_logged_in.connect(logged_in_receive, dispatch_uid="core.login_throttle.logged_in")

# --- notification kinds -------------------------------------------------------------

notification_kind_register("webhook_endpoint_disabled", default_channels=(Channel.EMAIL, Channel.IN_APP))
# To the agency's clients, who have no account: e-mail only.
notification_kind_register("invoice_issued", default_channels=(Channel.EMAIL,))
notification_kind_register("payment_received", default_channels=(Channel.EMAIL,))

# --- webhook event types ------------------------------------------------------------

webhook_event_type_register(
    "invoice.issued",
    description=_("Se emitió una factura (eventos de la agencia: solo endpoints del personal)."),
    audience=Audience.STAFF,
)
webhook_event_type_register(
    "notification.created",
    description=_("Una notificación para el dueño del endpoint (canal webhook)."),
    audience=Audience.OWNER,
)
webhook_event_type_register(
    "ticket.parsed",
    description=_("Se procesó un boleto importado (eventos de la agencia: solo endpoints del personal)."),
    audience=Audience.STAFF,
)

# --- caching ------------------------------------------------------------------------

for catalog in CATALOGS:
    cache_namespace_register(catalog.name, timeout=catalog.timeout)
    cached_route_register(catalog.route, namespace=catalog.name, params=catalog.params)
    cache_control_register(f"/api/{catalog.route}/", catalog.cache_control)
# Everything else the API answers is the caller's own and may change at any time.
cache_control_register("/api/", "private, no-cache")

# --- periodic tasks -----------------------------------------------------------------

periodic_entry_register(
    "task outbox resend",
    task="core.task_outbox_resend",
    why="A task message left behind (broker down at commit) is sent within 30 s of the broker's return, "
    "and a message is never resent sooner than 30 s after its commit.",
    every_seconds=30,
)
periodic_entry_register(
    "ticket import sweep",
    task="core.ticket_imports_requeue_stale",
    why="An import is stale after 10 minutes untouched; looking every 5 minutes parses it within 15.",
    every_seconds=300,
)
periodic_entry_register(
    "notification queue sweep",
    task="core.notification_queue_sweep",
    why="A dead worker's notifications wait at most lease (120 s) + 30 s; a sweep is one indexed UPDATE.",
    every_seconds=30,
)
periodic_entry_register(
    "notification queue drain",
    task="core.notification_queue_drain",
    why="Enqueueing wakes a worker on commit; this catches scheduled rows (available_at) and lost wake-ups.",
    every_seconds=10,
)
periodic_entry_register(
    "notification delivery retries",
    task="core.notification_deliveries_retry",
    why="The shortest backoff is about 30 s; checking every 15 s keeps a retry within half a step of its time.",
    every_seconds=15,
)
periodic_entry_register(
    "webhook fan-out",
    task="core.webhook_events_fan_out",
    why="Events wake the fan-out on commit; this only catches lost wake-ups, so a minute is enough.",
    every_seconds=60,
)
periodic_entry_register(
    "webhook retries",
    task="core.webhook_deliveries_send",
    why="The first webhook retry is due 5 s after a failure, so the sender looks every 5 s.",
    every_seconds=5,
)
periodic_entry_register(
    "analytics buffer flush",
    task="core.analytics_flush",
    why="Rows wait in Redis at most 10 s: fresh enough for dashboards, batches of hundreds per insert.",
    every_seconds=10,
)
periodic_entry_register(
    "analytics partition maintenance",
    task="core.analytics_partitions_ensure",
    why="Partitions are made three months ahead; daily leaves three months of missed runs before any row "
    "falls into the default partition.",
    at=("15", "3"),
)
periodic_entry_register(
    "daily analytics",
    task="core.analytics_daily",
    why="Yesterday's figures, once the business day (America/Lima) is over and late buffered rows are in.",
    at=("0", "1"),
)
periodic_entry_register(
    "analytics retention",
    task="core.analytics_retention",
    why="Drops whole months past 90 days after the 01:00 aggregation has run; daily is finer than a month needs.",
    at=("30", "2"),
)
periodic_entry_register(
    "idempotency keys clean-up",
    task="core.idempotent_requests_forget",
    why="Keys are kept 24 h; an hourly sweep keeps the table to about a day of requests.",
    every_seconds=60 * 60,
)
periodic_entry_register(
    "expired API tokens clean-up",
    task="core.api_tokens_expired_delete",
    why="An expired token is refused anyway; a daily sweep only keeps the table to the tokens in use.",
    at=("45", "3"),
)
periodic_entry_register(
    "catalog cache warm-up",
    task="core.warmup_cache",
    why="Cities are cached for 30 min (countries 1 h); warming every 25 min refills them before they expire.",
    every_seconds=25 * 60,
)
