"""Everything the probe brings to the platform, registered as any app does."""

from core.api.caching import cache_control_register
from core.cache import cache_namespace_register
from core.models import Channel
from core.notification_kinds import notification_kind_register
from core.services.periodic_schedule import periodic_entry_register
from core.webhook_event_types import Audience, webhook_event_type_register

notification_kind_register("probe_greeting", default_channels=(Channel.EMAIL, Channel.IN_APP))
webhook_event_type_register("probe.pinged", description="A probe was pinged.", audience=Audience.OWNER)
cache_namespace_register("probe-items", timeout=120)
cache_control_register("/api/probe/", "private, max-age=5")
periodic_entry_register(
    "probe heartbeat", task="platform_probe.heartbeat", why="Shows an app's entry being installed.", every_seconds=60
)
