"""Outgoing webhooks: signatures checked by a reference verifier written from
the Standard Webhooks text, SSRF refusals, fan-out scoped to owners, the
retry schedule and dead-lettering with a moved clock, disabling, replays, and
the owners' API (scoping, bad input, query budget)."""

import base64
import errno
import hashlib
import hmac
import ipaddress
import json
import socket
import ssl
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

import pytest
import trustme
import urllib3
from django.utils import timezone

from core.exceptions import InvalidInput
from core.models import Notification, WebhookDelivery, WebhookEndpoint, WebhookEvent, WebhookSubscription
from core.services import webhooks
from core.services.webhook_targets import webhook_target_resolve
from core.tests.factories import UserFactory

Status = WebhookDelivery.Status


def reference_verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """From the Standard Webhooks specification: the content to sign is
    msg_id.timestamp.payload; the key is the base64 part of the secret after
    the whsec_ prefix; the signature header is a space-delimited list of
    version,base64(HMAC-SHA256) entries, any one of which may match."""
    key = base64.b64decode(secret.split("_", 1)[1])
    content = headers["webhook-id"].encode() + b"." + headers["webhook-timestamp"].encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    for entry in headers["webhook-signature"].split(" "):
        version, _, signature = entry.partition(",")
        if version == "v1" and hmac.compare_digest(signature, expected):
            return True
    return False


class Receiver:
    """A local HTTP/1.1 server (HTTPS with `tls`) answering with the status
    codes it is given, on connections it keeps open; it counts them."""

    def __init__(self, statuses: list[int], tls: ssl.SSLContext | None = None):
        self.statuses = statuses
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.connections = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                receiver.connections += 1

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                answer = b'{"ok": true}' if status < 300 else b"boom"
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # a client that refuses our certificate is part of a test

        self.server = Server(("127.0.0.1", 0), Handler)
        if tls:
            # The handshake happens in the handler's thread, not in the accepting one.
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True, do_handshake_on_connect=False)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    made = []

    def make(*statuses: int, tls: ssl.SSLContext | None = None) -> Receiver:
        made.append(Receiver(list(statuses), tls=tls))
        return made[-1]

    yield make
    for server in made:
        server.close()


def _endpoint(owner, url, event_types=("notification.created",)):
    return webhooks.webhook_endpoint_create(owner=owner, url=url, event_types=list(event_types))


@pytest.mark.django_db
def test_a_delivery_is_signed_the_standard_webhooks_way_also_during_rotation(receiver):
    # given
    server = receiver(200)
    owner = UserFactory()
    endpoint = _endpoint(owner, server.url)
    old_secret = endpoint.secret
    webhooks.webhook_event_emit(event_type="notification.created", payload={"id": 7, "texto": "año"}, owner=owner)

    # when
    webhooks.webhook_events_fan_out()
    webhooks.webhook_deliveries_send_due()
    webhooks.webhook_endpoint_rotate_secret(endpoint=endpoint)
    endpoint.refresh_from_db()
    webhooks.webhook_event_emit(event_type="notification.created", payload={"id": 8}, owner=owner)
    webhooks.webhook_events_fan_out()
    webhooks.webhook_deliveries_send_due()

    # then
    (first_headers, first_body), (second_headers, second_body) = server.requests
    assert old_secret.startswith("whsec_")
    assert reference_verify(old_secret, first_headers, first_body)
    assert json.loads(first_body)["data"] == {"id": 7, "texto": "año"}
    assert first_headers["webhook-id"].startswith("msg_")
    assert abs(int(first_headers["webhook-timestamp"]) - timezone.now().timestamp()) < 60
    # both the new and the old secret verify during the grace period
    assert reference_verify(endpoint.secret, second_headers, second_body)
    assert reference_verify(old_secret, second_headers, second_body)
    assert not reference_verify(old_secret, second_headers, second_body + b" ")
    assert WebhookDelivery.objects.filter(status=Status.SENT).count() == 2


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8000/hook",
        "http://10.0.0.5/hook",
        "http://192.168.1.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://0.0.0.0/hook",
        "ftp://example.com/hook",
        "http://user:pass@example.com/hook",
        # 6to4: the first embeds 127.0.0.1, the second a public address; the
        # range is refused whole (a relay decides where either goes)
        "http://[2002:7f00:1::1]/hook",
        "http://[2002:5db8:d822::1]/hook",
        "http://93.184.216.34:0/hook",
        "http://93.184.216.34:6379/hook",
        "http://93.184.216.34:5432/hook",
        "https://93.184.216.34:2375/hook",
    ],
)
def test_internal_and_malformed_targets_are_refused(url):
    with pytest.raises(InvalidInput):
        webhook_target_resolve(url)


@pytest.mark.parametrize(
    "url", ["https://93.184.216.34/hook", "http://93.184.216.34:8080/h", "https://[2001:db9::1]/h"]
)
def test_public_addresses_on_ordinary_ports_are_accepted(url):
    assert webhook_target_resolve(url).address in url


def test_allowing_private_targets_lifts_the_internal_ports_but_not_port_zero(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True

    assert webhook_target_resolve("http://127.0.0.1:6379/hook").port == 6379
    with pytest.raises(InvalidInput):
        webhook_target_resolve("http://127.0.0.1:0/hook")


def _resolver(monkeypatch, answers: dict[str, list[list[str]]]) -> None:
    """socket.getaddrinfo answering for the given names, one list of
    addresses per lookup (the last one repeats); other names resolve as usual."""
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return real_getaddrinfo(host, port, *args, **kwargs)
        lookups = answers[host]
        addresses = lookups.pop(0) if len(lookups) > 1 else lookups[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in addresses]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def connections_stay_here(monkeypatch):
    """Every address a socket connects to; a connection that would leave this
    machine is refused before any packet is sent."""
    attempted: list[str] = []
    real_connect = socket.socket.connect

    def connect(sock, address):
        attempted.append(address[0])
        if not ipaddress.ip_address(address[0]).is_loopback:
            raise ConnectionRefusedError(errno.ECONNREFUSED, "tests connect to loopback only")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return attempted


@pytest.mark.django_db
def test_a_target_that_resolves_inside_at_send_time_is_not_contacted(
    receiver, settings, monkeypatch, connections_stay_here
):
    # given: a public endpoint whose name later also resolves to a loopback
    # receiver (public address first, loopback second)
    server = receiver(200)
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    owner = UserFactory()
    _resolver(monkeypatch, {"hooks.example.com": [["93.184.216.34"], ["93.184.216.34", "127.0.0.1"]]})
    endpoint = _endpoint(owner, f"http://hooks.example.com:{server.port}/x")
    webhooks.webhook_event_emit(event_type="notification.created", payload={}, owner=owner)
    webhooks.webhook_events_fan_out()

    # when
    webhooks.webhook_deliveries_send_due()

    # then: refused before any connection
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == Status.DEAD
    assert "interna" in delivery.last_error
    assert connections_stay_here == []
    assert server.requests == []


@pytest.mark.django_db
def test_the_connection_goes_to_the_checked_address_not_to_a_new_lookup(
    receiver, settings, monkeypatch, connections_stay_here
):
    # given: DNS rebinding — the name answers a public address to the check
    # and the loopback receiver to any later lookup
    server = receiver(200)
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    owner = UserFactory()
    url = f"http://rebind.example.com:{server.port}/x"
    _resolver(monkeypatch, {"rebind.example.com": [["93.184.216.34"]]})
    _endpoint(owner, url)
    webhooks.webhook_event_emit(event_type="notification.created", payload={}, owner=owner)
    webhooks.webhook_events_fan_out()
    _resolver(monkeypatch, {"rebind.example.com": [["93.184.216.34"], ["127.0.0.1"]]})

    # when
    webhooks.webhook_deliveries_send_due()

    # then: the sender tried the checked public address only (refused here,
    # so it failed and will be retried) and never reached the loopback one
    assert connections_stay_here == ["93.184.216.34"]
    assert server.requests == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == Status.FAILED
    assert "Failed to establish a new connection" in delivery.last_error


def test_control_a_client_that_connects_by_name_is_rebound_inside(receiver, monkeypatch, connections_stay_here):
    """Proof that the test above can fail: the same resolver sends an
    ordinary client, which looks the name up again, to the loopback receiver."""
    server = receiver(200)
    _resolver(monkeypatch, {"rebind.example.com": [["93.184.216.34"], ["127.0.0.1"]]})
    webhook_target_resolve(f"http://rebind.example.com:{server.port}/x")

    urllib3.request("POST", f"http://rebind.example.com:{server.port}/x", body=b"{}", retries=False)

    assert connections_stay_here == ["127.0.0.1"]
    assert len(server.requests) == 1


@pytest.mark.django_db
def test_https_goes_to_the_checked_address_and_the_certificate_must_match_the_host_name(
    receiver, monkeypatch, tmp_path
):
    # given: an HTTPS receiver on loopback whose certificate (from a CA we
    # trust) names hooks.example.com; a second name resolves to it too
    authority = trustme.CA()
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("hooks.example.com").configure_cert(tls)
    server = receiver(200, tls=tls)
    authority.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
    _resolver(monkeypatch, {"hooks.example.com": [["127.0.0.1"]], "other.example.com": [["127.0.0.1"]]})
    right, wrong = UserFactory(), UserFactory()
    named = _endpoint(right, f"https://hooks.example.com:{server.port}/x")
    misnamed = _endpoint(wrong, f"https://other.example.com:{server.port}/x")
    for owner in (right, wrong):
        webhooks.webhook_event_emit(event_type="notification.created", payload={}, owner=owner)
    webhooks.webhook_events_fan_out()

    # when
    webhooks.webhook_deliveries_send_due()

    # then
    assert WebhookDelivery.objects.get(endpoint=named).status == Status.SENT
    refused = WebhookDelivery.objects.get(endpoint=misnamed)
    assert refused.status == Status.FAILED
    assert "certificate" in refused.last_error.lower()
    assert [headers["host"] for headers, _ in server.requests] == [f"hooks.example.com:{server.port}"]


@pytest.mark.django_db
def test_deliveries_to_one_receiver_share_one_connection(receiver):
    server = receiver(200)
    owner = UserFactory()
    _endpoint(owner, server.url)
    for n in range(20):
        webhooks.webhook_event_emit(event_type="notification.created", payload={"n": n}, owner=owner)
    webhooks.webhook_events_fan_out()

    webhooks.webhook_deliveries_send_due()

    assert WebhookDelivery.objects.filter(status=Status.SENT).count() == 20
    assert len(server.requests) == 20
    assert server.connections == 1


@pytest.mark.django_db
def test_events_reach_only_their_owners_endpoints_and_agency_events_only_staff(receiver):
    server = receiver(200)
    owner, stranger, staff = UserFactory(), UserFactory(), UserFactory(is_staff=True)
    mine = _endpoint(owner, server.url, ["notification.created"])
    _endpoint(stranger, server.url, ["notification.created"])
    agency = _endpoint(staff, server.url, ["invoice.issued", "notification.created"])

    webhooks.webhook_event_emit(event_type="notification.created", payload={}, owner=owner)
    webhooks.webhook_event_emit(event_type="invoice.issued", payload={"number": "F001-1"})
    created = webhooks.webhook_events_fan_out()

    assert created == 2
    assert sorted(WebhookDelivery.objects.values_list("endpoint_id", "event__event_type")) == sorted(
        [(mine.id, "notification.created"), (agency.id, "invoice.issued")]
    )
    assert not WebhookEvent.objects.filter(processed=False).exists()


@pytest.mark.django_db
def test_only_staff_may_subscribe_to_agency_events(receiver, api_client):
    server = receiver(200)
    api_client.force_authenticate(UserFactory(role="host"))

    response = api_client.post(
        "/api/webhooks/", {"url": server.url, "event_types": ["notification.created", "invoice.issued"]}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "staff_only_event_types"
    assert "invoice.issued" in response.json()["detail"]
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["host", "guest"])
def test_a_host_or_guest_cannot_add_agency_events_to_an_endpoint_later(receiver, api_client, role):
    server = receiver(200)
    owner = UserFactory(role=role)
    endpoint = _endpoint(owner, server.url)
    api_client.force_authenticate(owner)

    patched = api_client.patch(f"/api/webhooks/{endpoint.id}/", {"event_types": ["ticket.parsed"]}, format="json")
    put = api_client.put(
        f"/api/webhooks/{endpoint.id}/", {"url": server.url, "event_types": ["invoice.issued"]}, format="json"
    )

    assert [patched.status_code, put.status_code] == [400, 400]
    assert {patched.json()["code"], put.json()["code"]} == {"staff_only_event_types"}
    assert list(WebhookSubscription.objects.values_list("event_type", flat=True)) == ["notification.created"]


@pytest.mark.django_db
def test_retries_follow_the_schedule_then_the_delivery_is_dead(receiver):
    # given: a receiver that always fails, and a clock we move
    server = receiver(503)
    owner = UserFactory()
    _endpoint(owner, server.url)
    webhooks.webhook_event_emit(event_type="notification.created", payload={}, owner=owner)
    webhooks.webhook_events_fan_out()
    clock = timezone.now()
    waits = []

    # when
    with mock.patch("django.utils.timezone.now", side_effect=lambda: clock):
        while True:
            webhooks.webhook_deliveries_send_due()
            delivery = WebhookDelivery.objects.get()
            if delivery.status != Status.FAILED:
                break
            waits.append((delivery.next_attempt_at - clock).total_seconds())
            clock = delivery.next_attempt_at

    # then: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h (±20%), then dead after 7 attempts
    assert delivery.status == Status.DEAD
    assert delivery.attempt_count == 7
    assert delivery.response_status == 503
    assert delivery.response_body == "boom"
    for wait, base in zip(waits, webhooks.RETRY_DELAYS_SECONDS, strict=True):
        assert base * 0.8 <= wait <= base * 1.2
    assert len({headers["webhook-id"] for headers, _ in server.requests}) == 1


@pytest.mark.django_db
def test_gone_disables_the_endpoint_and_tells_its_owner(receiver):
    server = receiver(410)
    owner = UserFactory()
    endpoint = _endpoint(owner, server.url)
    webhooks.webhook_event_emit(event_type="notification.created", payload={}, owner=owner)
    webhooks.webhook_events_fan_out()

    webhooks.webhook_deliveries_send_due()

    endpoint.refresh_from_db()
    assert not endpoint.active
    assert WebhookDelivery.objects.get().status == Status.DEAD
    assert Notification.objects.get(recipient=owner).kind == "webhook_endpoint_disabled"


@pytest.mark.django_db
def test_an_endpoint_failing_for_five_days_is_disabled(receiver):
    server = receiver(500)
    owner = UserFactory()
    endpoint = _endpoint(owner, server.url)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now() - timedelta(days=5, minutes=1))
    webhooks.webhook_event_emit(event_type="notification.created", payload={}, owner=owner)
    webhooks.webhook_events_fan_out()

    webhooks.webhook_deliveries_send_due()

    endpoint.refresh_from_db()
    assert not endpoint.active
    assert Notification.objects.filter(recipient=owner).count() == 1


@pytest.mark.django_db
def test_replaying_failed_deliveries_since_a_time(receiver):
    server = receiver(500, 500, 200)
    owner = UserFactory()
    endpoint = _endpoint(owner, server.url)
    for n in range(2):
        webhooks.webhook_event_emit(event_type="notification.created", payload={"n": n}, owner=owner)
    webhooks.webhook_events_fan_out()
    webhooks.webhook_deliveries_send_due()
    assert WebhookDelivery.objects.filter(status=Status.FAILED).count() == 2

    replayed = webhooks.webhook_deliveries_replay_failed(endpoint=endpoint, since=timezone.now() - timedelta(hours=1))
    webhooks.webhook_deliveries_send_due()

    assert replayed == 2
    assert WebhookDelivery.objects.filter(status=Status.SENT).count() == 2


@pytest.mark.django_db
def test_each_delivery_of_a_batch_keeps_its_own_answer(receiver):
    # given: three endpoints of one owner, whose receiver answers 200, 503, 500 in turn
    server = receiver(200, 503, 500)
    owner = UserFactory()
    endpoints = [_endpoint(owner, f"{server.url}/{n}") for n in range(3)]
    webhooks.webhook_event_emit(event_type="notification.created", payload={}, owner=owner)
    webhooks.webhook_events_fan_out()

    # when
    before = timezone.now()
    webhooks.webhook_deliveries_send_due()

    # then
    rows = {
        delivery.endpoint_id: delivery for delivery in WebhookDelivery.objects.order_by("id").select_related("endpoint")
    }
    sent, unavailable, broken = (rows[endpoint.id] for endpoint in endpoints)
    assert (sent.status, sent.response_status, sent.response_body) == (Status.SENT, 200, '{"ok": true}')
    assert sent.sent_at >= before.replace(microsecond=0)
    assert (unavailable.status, unavailable.response_status, unavailable.last_error) == (
        Status.FAILED,
        503,
        "HTTP 503",
    )
    assert (broken.status, broken.response_status, broken.response_body) == (Status.FAILED, 500, "boom")
    for failed in (unavailable, broken):
        assert failed.sent_at is None
        assert 4 <= (failed.next_attempt_at - before).total_seconds() <= 7
    assert sent.endpoint.failing_since is None
    assert unavailable.endpoint.failing_since is not None
    assert broken.endpoint.failing_since is not None


@pytest.mark.django_db
def test_sending_a_batch_takes_a_few_queries_whatever_its_size(receiver, django_assert_max_num_queries):
    server = receiver(200)
    owner = UserFactory()
    _endpoint(owner, server.url)
    for n in range(80):
        webhooks.webhook_event_emit(event_type="notification.created", payload={"n": n}, owner=owner)
    webhooks.webhook_events_fan_out()

    # The claim (3), the outcomes (2), the endpoint's failure run (1), the
    # empty claim that ends the loop (1) and the savepoints of 3 transactions (6).
    with django_assert_max_num_queries(13):
        webhooks.webhook_deliveries_send_due()

    assert WebhookDelivery.objects.filter(status=Status.SENT).count() == 80


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("answers", "owners_outcome"),
    [
        pytest.param((503, 200), Status.FAILED, id="the late send succeeds"),
        pytest.param((200, 503), Status.SENT, id="the late send fails"),
    ],
)
def test_a_sender_that_lost_its_lease_writes_nothing_over_the_new_owners_outcome(receiver, answers, owners_outcome):
    # given: sender A claimed a delivery and stalled past its lease; B took it
    # and sent it (first answer); then A sends it too (second answer)
    server = receiver(*answers)
    owner = UserFactory()
    endpoint = _endpoint(owner, server.url)
    webhooks.webhook_event_emit(event_type="notification.created", payload={}, owner=owner)
    webhooks.webhook_events_fan_out()
    claimed_by_a = webhooks._claim_due(batch_size=10)
    clock = timezone.now() + webhooks.SEND_LEASE + timedelta(seconds=1)
    with mock.patch("django.utils.timezone.now", side_effect=lambda: clock):
        webhooks.webhook_deliveries_send_due()
        owners = WebhookDelivery.objects.get()
        endpoint.refresh_from_db()
        failing_since = endpoint.failing_since

        # when
        webhooks._send_claimed(claimed_by_a, lease_end=float("inf"))

    # then: the row and the endpoint say what B saw
    assert len(server.requests) == 2
    late = WebhookDelivery.objects.get()
    assert (late.status, late.attempt_count, late.response_status) == (owners_outcome, 2, answers[0])
    assert (late.next_attempt_at, late.last_error, late.sent_at) == (
        owners.next_attempt_at,
        owners.last_error,
        owners.sent_at,
    )
    endpoint.refresh_from_db()
    assert endpoint.failing_since == failing_since


@pytest.mark.django_db
def test_a_late_successful_send_writes_nothing_while_the_new_owner_is_still_sending(receiver):
    # given: sender A claimed a delivery of an endpoint failing since
    # yesterday and stalled past its lease; B took it (attempt 2) and has
    # not answered yet
    server = receiver(200)
    owner = UserFactory()
    endpoint = _endpoint(owner, server.url)
    failing_since = timezone.now() - timedelta(days=1)
    WebhookEndpoint.objects.filter(id=endpoint.id).update(failing_since=failing_since)
    webhooks.webhook_event_emit(event_type="notification.created", payload={}, owner=owner)
    webhooks.webhook_events_fan_out()
    claimed_by_a = webhooks._claim_due(batch_size=10)
    clock = timezone.now() + webhooks.SEND_LEASE + timedelta(seconds=1)
    with mock.patch("django.utils.timezone.now", side_effect=lambda: clock):
        claimed_by_b = webhooks._claim_due(batch_size=10)

    # when: A wakes up and its request succeeds
    webhooks._send_claimed(claimed_by_a, lease_end=float("inf"))

    # then: the receiver got it, but the row is still B's attempt, and A's
    # answer does not end the endpoint's failure run
    assert [d.attempt_count for d in claimed_by_a + claimed_by_b] == [1, 2]
    assert len(server.requests) == 1
    late = WebhookDelivery.objects.get()
    assert (late.status, late.attempt_count, late.sent_at, late.response_status) == (Status.SENDING, 2, None, None)
    endpoint.refresh_from_db()
    assert endpoint.failing_since == failing_since


@pytest.mark.django_db
def test_a_delivery_whose_sender_keeps_dying_ends_dead_and_staff_can_replay_it(receiver, client):
    # given: two deliveries; every sender that claims the first one dies
    # before writing anything (it is left `sending` until its lease runs out)
    server = receiver(200)
    owner = UserFactory()
    _endpoint(owner, server.url)
    for n in range(2):
        webhooks.webhook_event_emit(event_type="notification.created", payload={"n": n}, owner=owner)
    webhooks.webhook_events_fan_out()
    poison, other = WebhookDelivery.objects.order_by("id")
    clock = timezone.now()

    # when: senders come one after another, each after the last one's lease
    with mock.patch("django.utils.timezone.now", side_effect=lambda: clock):
        for _ in range(20):
            claimed = webhooks._claim_due(batch_size=10)
            if not claimed:
                break
            if poison.id not in {delivery.id for delivery in claimed}:
                webhooks._send_claimed(claimed, lease_end=float("inf"))
            clock += webhooks.SEND_LEASE + timedelta(seconds=1)

    # then: dead after its seven attempts, all lost; the other one, sent alone
    # once taken back, reached the receiver once
    poison.refresh_from_db()
    assert (poison.status, poison.attempt_count, poison.sender_lost_count) == (Status.DEAD, 7, 7)
    assert poison.last_error == "El proceso que la enviaba se perdió 7 veces sin terminar y no quedan intentos."
    other.refresh_from_db()
    assert (other.status, other.attempt_count, other.sender_lost_count) == (Status.SENT, 2, 1)
    assert [json.loads(body)["data"] for _, body in server.requests] == [{"n": 1}]

    # and staff find it in the admin and replay it: one more attempt
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    listed = client.get("/admin/core/webhookdelivery/", {"status__exact": "dead"})
    assert [row.pk for row in listed.context["cl"].result_list] == [poison.pk]
    client.post("/admin/core/webhookdelivery/", {"action": "replay", "_selected_action": [poison.pk]})
    webhooks.webhook_deliveries_send_due()
    poison.refresh_from_db()
    assert (poison.status, poison.attempt_count) == (Status.SENT, 8)
    assert len(server.requests) == 2


@pytest.mark.django_db
def test_a_sender_short_of_lease_gives_the_rest_back_without_counting_an_attempt(receiver):
    server = receiver(200)
    owner = UserFactory()
    _endpoint(owner, server.url)
    for n in range(3):
        webhooks.webhook_event_emit(event_type="notification.created", payload={"n": n}, owner=owner)
    webhooks.webhook_events_fan_out()
    claimed = webhooks._claim_due(batch_size=10)

    attempts = webhooks._send_claimed(claimed, lease_end=0.0)

    assert attempts == 0
    assert server.requests == []
    assert (
        list(WebhookDelivery.objects.values_list("status", "attempt_count", "sender_lost_count"))
        == [(Status.PENDING, 0, 0)] * 3
    )
    assert webhooks.webhook_deliveries_send_due() == 3


# --- the owners' API ---------------------------------------------------------------


@pytest.fixture
def public_dns():
    with mock.patch("socket.getaddrinfo", return_value=[(2, 1, 6, "", ("93.184.216.34", 443))]):
        yield


@pytest.mark.django_db
def test_owner_registers_lists_rotates_and_deletes_an_endpoint(guest_client, public_dns):
    created = guest_client.post(
        "/api/webhooks/",
        {"url": "https://hooks.example.com/x", "event_types": ["notification.created"], "description": "mi CRM"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    endpoint_id, secret = created.json()["id"], created.json()["secret"]
    assert secret.startswith("whsec_")

    listed = guest_client.get("/api/webhooks/").json()
    assert [row["event_types"] for row in listed["results"]] == [["notification.created"]]
    assert "secret" not in listed["results"][0]

    rotated = guest_client.post(f"/api/webhooks/{endpoint_id}/rotate-secret/")
    assert rotated.json()["secret"] != secret

    assert (
        guest_client.patch(f"/api/webhooks/{endpoint_id}/", {"active": False}, format="json").json()["active"] is False
    )
    assert guest_client.delete(f"/api/webhooks/{endpoint_id}/").status_code == 204
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.django_db
def test_another_users_endpoint_and_deliveries_are_not_found(guest_client, public_dns):
    other = UserFactory()
    endpoint = _endpoint(other, "https://hooks.example.com/x")
    webhooks.webhook_event_emit(event_type="notification.created", payload={}, owner=other)
    webhooks.webhook_events_fan_out()
    delivery = WebhookDelivery.objects.get()

    for response in (
        guest_client.get(f"/api/webhooks/{endpoint.id}/"),
        guest_client.patch(f"/api/webhooks/{endpoint.id}/", {"active": False}, format="json"),
        guest_client.delete(f"/api/webhooks/{endpoint.id}/"),
        guest_client.get(f"/api/webhooks/{endpoint.id}/deliveries/"),
        guest_client.post(f"/api/webhooks/{endpoint.id}/rotate-secret/"),
        # ownership before the body: a bad body does not tell that it exists
        guest_client.post(f"/api/webhooks/{endpoint.id}/replay/", {"since": "ayer"}, format="json"),
        guest_client.post(f"/api/webhooks/{endpoint.id}/replay/", {}, format="json"),
        guest_client.post(f"/api/webhooks/{endpoint.id}/replay/", {"since": "2026-01-01T00:00:00Z"}, format="json"),
        guest_client.get(f"/api/webhook-entregas/{delivery.id}/"),
        guest_client.post(f"/api/webhook-entregas/{delivery.id}/replay/"),
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    endpoint.refresh_from_db()
    assert endpoint.active


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {"url": "http://127.0.0.1/x", "event_types": ["notification.created"]},
        {"url": "not a url", "event_types": ["notification.created"]},
        {"url": "https://hooks.example.com/x", "event_types": ["booking.teleported"]},
        {"url": "https://hooks.example.com/x", "event_types": []},
        {"url": "https://hooks.example.com/x"},
        {"url": "https://hooks.example.com/x", "event_types": "invoice.issued"},
    ],
)
def test_bad_endpoint_input_is_a_4xx_and_writes_nothing(guest_client, body):
    with mock.patch(
        "socket.getaddrinfo",
        side_effect=lambda host, *a, **k: [
            (2, 1, 6, "", ("127.0.0.1" if host == "127.0.0.1" else "93.184.216.34", 80))
        ],
    ):
        response = guest_client.post("/api/webhooks/", body, format="json")

    assert response.status_code == 400
    assert response.json()["detail"]
    assert not WebhookEndpoint.objects.exists()
    assert not WebhookSubscription.objects.exists()


@pytest.mark.django_db
def test_bad_replay_and_filter_input_are_4xx(guest_client, guest_user, public_dns):
    endpoint = _endpoint(guest_user, "https://hooks.example.com/x")

    assert (
        guest_client.post(f"/api/webhooks/{endpoint.id}/replay/", {"since": "ayer"}, format="json").status_code == 400
    )
    assert guest_client.get(f"/api/webhooks/{endpoint.id}/deliveries/?status=lost").status_code == 400
    webhooks.webhook_endpoint_update(endpoint=endpoint, active=False)
    inactive = guest_client.post(
        f"/api/webhooks/{endpoint.id}/replay/", {"since": "2026-01-01T00:00:00Z"}, format="json"
    )
    assert inactive.status_code == 409
    assert inactive.json()["code"] == "endpoint_inactive"


@pytest.mark.django_db
def test_endpoint_and_delivery_lists_have_a_query_budget(
    guest_client, guest_user, public_dns, django_assert_max_num_queries
):
    endpoints = [_endpoint(guest_user, f"https://hooks.example.com/{n}") for n in range(50)]
    for n in range(50):
        webhooks.webhook_event_emit(event_type="notification.created", payload={"n": n}, owner=guest_user)
    webhooks.webhook_events_fan_out()

    with django_assert_max_num_queries(4):
        listed = guest_client.get("/api/webhooks/")
    with django_assert_max_num_queries(4):
        deliveries = guest_client.get(f"/api/webhooks/{endpoints[0].id}/deliveries/")

    assert len(listed.json()["results"]) == 50
    assert len(deliveries.json()["results"]) == 50


@pytest.mark.django_db
def test_notification_preferences_api(guest_client):
    saved = guest_client.put(
        "/api/notificaciones/preferencias/",
        {
            "unsubscribed": False,
            "preferences": [{"kind": "webhook_endpoint_disabled", "channel": "push", "enabled": True}],
        },
        format="json",
    )
    bad = guest_client.put(
        "/api/notificaciones/preferencias/",
        {"unsubscribed": True, "preferences": [{"kind": "nope", "channel": "push", "enabled": True}]},
        format="json",
    )

    assert saved.status_code == 200
    assert saved.json()["preferences"] == [{"kind": "webhook_endpoint_disabled", "channel": "push", "enabled": True}]
    assert bad.status_code == 400
    assert guest_client.get("/api/notificaciones/preferencias/").json()["unsubscribed"] is False
