"""The registry of webhook event types an endpoint may subscribe to.

Each app registers the events it emits (core.services.webhooks.
webhook_event_emit) from its `registrations` module, when the feature that
emits them lands, so nobody subscribes to an event that never comes. An
event is either about one user's objects (`Audience.OWNER`: it goes to that
user's endpoints) or an agency event (`Audience.STAFF`: only staff endpoints
may subscribe to it and receive it)."""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise


class Audience(StrEnum):
    OWNER = "owner"
    STAFF = "staff"


@dataclass(frozen=True)
class WebhookEventType:
    name: str
    description: str | Promise
    audience: Audience


_event_types: dict[str, WebhookEventType] = {}
EVENT_TYPES: Mapping[str, WebhookEventType] = MappingProxyType(_event_types)


def webhook_event_type_register(name: str, *, description: str | Promise, audience: Audience) -> WebhookEventType:
    event_type = WebhookEventType(name, description, Audience(audience))
    if _event_types.get(name, event_type) != event_type:
        raise ImproperlyConfigured(f"webhook event type {name!r} is registered twice, differently")
    _event_types[name] = event_type
    return event_type
