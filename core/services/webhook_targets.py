"""Where a webhook may be sent: public addresses only.

A URL is resolved and every address it resolves to is checked, at
registration and again at each send; the request then connects to the
checked address itself (not to the name again), so a DNS answer that changes
between the check and the connection cannot point it inside our network.
WEBHOOK_ALLOW_PRIVATE_TARGETS (tests, local development) lifts the check."""

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from core.exceptions import InvalidInput

# Cloud metadata services that are not in a private or link-local range.
METADATA_ADDRESSES = {ipaddress.ip_address("100.100.100.200"), ipaddress.ip_address("fd00:ec2::254")}


@dataclass(frozen=True)
class WebhookTarget:
    scheme: str
    host: str
    port: int
    path: str
    address: str


@dataclass(frozen=True)
class WebhookResponse:
    status: int
    body: bytes


def _refused_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
        or address in METADATA_ADDRESSES
    )


def webhook_target_resolve(url: str) -> WebhookTarget:
    """The target of `url`, or InvalidInput saying why it is refused."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(_("La URL debe empezar con http:// o https:// y tener un host."), field="url")
    if parts.username or parts.password:
        raise InvalidInput(_("La URL no puede llevar usuario ni contraseña."), field="url")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as invalid:
        raise InvalidInput(_("El puerto de la URL no es válido."), field="url") from invalid
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as unresolved:
        raise InvalidInput(
            _("No se pudo resolver el host %(host)s.") % {"host": parts.hostname}, field="url"
        ) from unresolved
    addresses = [info[4][0] for info in infos]
    allow_private = getattr(settings, "WEBHOOK_ALLOW_PRIVATE_TARGETS", False)
    if not allow_private and any(_refused_address(ipaddress.ip_address(a.split("%")[0])) for a in addresses):
        raise InvalidInput(
            _("La URL apunta a una dirección interna, privada o de metadatos; no se envían webhooks allí."),
            code="forbidden_target",
            field="url",
        )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return WebhookTarget(scheme=parts.scheme, host=parts.hostname, port=port, path=path, address=addresses[0])


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: WebhookTarget, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: WebhookTarget, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        # The certificate is checked against the host name, not the address.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def webhook_http_post(
    target: WebhookTarget, *, body: bytes, headers: dict[str, str], timeout: float, max_body: int = 1000
) -> WebhookResponse:
    """POST `body` to the checked address; raises OSError (incl. timeouts) on
    transport failures. Only the first `max_body` bytes of the answer are read."""
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, timeout)
    try:
        connection.request(
            "POST",
            target.path,
            body=body,
            headers={"Content-Type": "application/json", "User-Agent": "TravelHub-Webhooks/1", **headers},
        )
        response = connection.getresponse()
        return WebhookResponse(status=response.status, body=response.read(max_body))
    except http.client.HTTPException as broken:
        raise OSError(f"invalid HTTP answer: {broken!r}") from broken
    finally:
        connection.close()
