"""The registry of notification kinds.

Each app registers the kinds it sends, with the channels they go to unless
the user chose otherwise, from its `registrations` module (core.apps finds
it). A kind's texts are templates in that app's
`templates/notifications/<kind>/` (subject.<lang>.txt and body.<lang>.txt,
one per language in settings.LANGUAGES; a system check makes sure)."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from django.core.exceptions import ImproperlyConfigured

from core.models.notifications import Channel


@dataclass(frozen=True)
class NotificationKind:
    name: str
    default_channels: tuple[str, ...]


_kinds: dict[str, NotificationKind] = {}
KINDS: Mapping[str, NotificationKind] = MappingProxyType(_kinds)


def notification_kind_register(name: str, *, default_channels: Iterable[str]) -> NotificationKind:
    kind = NotificationKind(name, tuple(default_channels))
    unknown = set(kind.default_channels) - set(Channel.values)
    if unknown:
        raise ImproperlyConfigured(f"notification kind {name!r}: unknown channels {sorted(unknown)}")
    if _kinds.get(name, kind) != kind:
        raise ImproperlyConfigured(f"notification kind {name!r} is registered twice, differently")
    _kinds[name] = kind
    return kind
