"""Where a webhook may be sent (public addresses only), and the sending.

A URL is resolved and every address it resolves to is checked, at
registration and again before sending; the request then connects to the
checked address itself (not to the name again), so a DNS answer that changes
between the check and the connection cannot point it inside our network.
Ports of internal services are refused too, whatever the address.
WEBHOOK_ALLOW_PRIVATE_TARGETS (tests, local development) lifts both checks.

Connections are kept open and reused (urllib3's pools), one pool per scheme,
checked address, port and host name: a connection is only reused for the
address it was opened to after a check, and TLS verifies the certificate
against the host name, not the address."""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from django.utils.translation import gettext as _

from core.exceptions import InvalidInput

# Cloud metadata services that are not in a private or link-local range.
METADATA_ADDRESSES = {ipaddress.ip_address("100.100.100.200"), ipaddress.ip_address("fd00:ec2::254")}
# 6to4 addresses embed an IPv4 address (2002:7f00:1:: is 127.0.0.1) that a
# relay or the host's own 6to4 interface may route to; ipaddress calls the
# whole range global, and no receiver needs it.
SIX_TO_FOUR = ipaddress.ip_network("2002::/16")
# Ports of services that live inside networks (databases, caches, brokers,
# cluster and remote-administration APIs): a webhook has no business there,
# even at a public address, which may be ours behind a NAT.
INTERNAL_SERVICE_PORTS = frozenset(
    {
        22,  # SSH
        23,  # Telnet
        25,  # SMTP
        111,  # RPC portmapper
        135,  # MS RPC
        139,  # NetBIOS
        445,  # SMB
        1433,  # SQL Server
        1521,  # Oracle
        2049,  # NFS
        2181,  # ZooKeeper
        2375,  # Docker API
        2376,  # Docker API (TLS)
        2379,  # etcd
        2380,  # etcd peers
        3306,  # MySQL
        3389,  # RDP
        4369,  # Erlang port mapper
        5432,  # PostgreSQL
        5672,  # AMQP
        5984,  # CouchDB
        6379,  # Redis
        6443,  # Kubernetes API
        8500,  # Consul
        9042,  # Cassandra
        9092,  # Kafka
        9200,  # Elasticsearch
        9300,  # Elasticsearch nodes
        10250,  # kubelet
        11211,  # memcached
        15672,  # RabbitMQ management
        27017,  # MongoDB
    }
)


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
        or (isinstance(address, ipaddress.IPv6Address) and address in SIX_TO_FOUR)
    )


def webhook_target_resolve(url: str) -> WebhookTarget:
    """The target of `url`, or InvalidInput saying why it is refused."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(_("La URL debe empezar con http:// o https:// y tener un host."), field="url")
    if parts.username or parts.password:
        raise InvalidInput(_("La URL no puede llevar usuario ni contraseña."), field="url")
    try:
        # `or` would read an explicit port 0 as "no port" and send it to 80.
        port = parts.port if parts.port is not None else (443 if parts.scheme == "https" else 80)
    except ValueError as invalid:
        raise InvalidInput(_("El puerto de la URL no es válido."), field="url") from invalid
    allow_private = getattr(settings, "WEBHOOK_ALLOW_PRIVATE_TARGETS", False)
    if port == 0:
        # Nothing listens on port 0; connecting to it is an error everywhere.
        raise InvalidInput(_("El puerto de la URL no es válido."), field="url")
    if not allow_private and port in INTERNAL_SERVICE_PORTS:
        raise InvalidInput(
            _("El puerto %(port)d es de un servicio interno; no se envían webhooks allí.") % {"port": port},
            code="forbidden_target",
            field="url",
        )
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as unresolved:
        raise InvalidInput(
            _("No se pudo resolver el host %(host)s.") % {"host": parts.hostname}, field="url"
        ) from unresolved
    addresses = [info[4][0] for info in infos]
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


class WebhookSendFailed(Exception):
    """No answer came: no connection, a timeout, a broken answer, a
    certificate that does not match the host name."""


# A sender sends one request at a time, so each pool keeps one idle
# connection; past 100 pools the least recently used one is closed.
_pools = urllib3.PoolManager(num_pools=100, maxsize=1)


def _connection_pool(target: WebhookTarget) -> urllib3.HTTPConnectionPool:
    address = f"[{target.address}]" if ":" in target.address else target.address
    # server_hostname is part of the pool's key, so a pool never serves two
    # host names; for HTTPS it is the name sent (SNI) and the one the
    # certificate must match. The address is an IP literal, which the
    # resolver hands back as it is: connecting looks no name up.
    return _pools.connection_from_host(
        address, target.port, target.scheme, pool_kwargs={"server_hostname": target.host}
    )


def _host_header(target: WebhookTarget) -> str:
    host = f"[{target.host}]" if ":" in target.host else target.host
    default_port = 443 if target.scheme == "https" else 80
    return host if target.port == default_port else f"{host}:{target.port}"


def webhook_http_post(
    target: WebhookTarget, *, body: bytes, headers: dict[str, str], timeout: float, max_body: int = 1000
) -> WebhookResponse:
    """POST `body` to the checked address, on a kept-alive connection when
    there is one; raises WebhookSendFailed when no answer came. Only the
    first `max_body` bytes of the answer are read; a longer answer costs its
    connection, which is closed instead of reused."""
    try:
        response = _connection_pool(target).urlopen(
            "POST",
            target.path,
            body=body,
            headers={
                "Host": _host_header(target),
                "Content-Type": "application/json",
                "User-Agent": "TravelHub-Webhooks/1",
                **headers,
            },
            retries=False,
            redirect=False,
            timeout=urllib3.Timeout(connect=timeout, read=timeout),
            preload_content=False,
            decode_content=False,
        )
        try:
            return WebhookResponse(status=response.status, body=response.read(max_body, decode_content=False))
        finally:
            # An answer read to its end has already given its connection back
            # to the pool; otherwise the connection is closed here.
            response.close()
            response.release_conn()
    except (urllib3.exceptions.HTTPError, OSError) as error:
        raise WebhookSendFailed(f"{type(error).__name__}: {error}") from error
