"""A local stand-in for Stripe's API, for testing bookings.providers.stripe
over real HTTP: a stdlib server in a thread on 127.0.0.1, speaking the part
of Stripe's documented protocol the rentals use.

- Requests are form-encoded (`metadata[key]=value` for hashes) and need
  `Authorization: Bearer sk_...` (401 otherwise); an unknown parameter is a
  400, as it is at Stripe. Amounts are integers in minor units.
- Idempotency-Key (per API key): the same key with the same request gets the
  stored answer again (header `Idempotent-Replayed: true`); with another
  request, a 400 idempotency_error. As at Stripe, a request refused by
  validation stores nothing; a decline (402) is stored.
- PaymentIntents: POST /v1/payment_intents (confirm=true charges at once),
  POST /v1/payment_intents/{id}/confirm, GET /v1/payment_intents/{id}.
  Stripe's test payment methods: `pm_card_visa` is charged,
  `pm_card_chargeDeclined` is declined (402 card_error), and
  `pm_card_threeDSecure2Required` asks for 3-D Secure (requires_action; with
  a return_url, next_action.redirect_to_url points at this server's
  authentication page, GET /3d_secure_2/hosted, which completes it and
  redirects to the return_url). After authentication, an intent with
  confirmation_method=automatic (Stripe's default) succeeds by itself; a
  `manual` one goes to requires_confirmation and waits for the server's
  /confirm.
- Refunds: POST /v1/refunds of a payment_intent, the amount (default: what
  is left) at most what was charged and not yet refunded.
- What happened is kept as Stripe's events (`event_body`), for a test to
  sign and deliver as the webhook; every request received is in `requests`.
- `fail_next` makes requests fail: "error" answers 500 (with `processed`,
  after doing the work: the answer is lost), "stall" answers only after the
  client gave up (`processed`: the work done first; otherwise Stripe is still
  busy with it — a request with the same Idempotency-Key meanwhile gets
  Stripe's 409 — until `release`).
"""

import copy
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

API_VERSION = "2024-06-20"
SUCCEEDING_CARDS = {"pm_card_visa", "pm_card_mastercard"}
DECLINED_CARDS = {
    "pm_card_chargeDeclined": "generic_decline",
    "pm_card_chargeDeclinedInsufficientFunds": "insufficient_funds",
}
THREE_D_SECURE_CARDS = {"pm_card_threeDSecure2Required", "pm_card_authenticationRequired"}
REFUND_REASONS = {"duplicate", "fraudulent", "requested_by_customer"}
CREATE_PARAMS = {
    "amount",
    "currency",
    "payment_method",
    "confirm",
    "confirmation_method",
    "return_url",
    "description",
    "receipt_email",
    "customer",
    "capture_method",
    "setup_future_usage",
    "off_session",
    "statement_descriptor",
}
CONFIRM_PARAMS = {"payment_method", "return_url", "off_session"}
REFUND_PARAMS = {"payment_intent", "charge", "amount", "reason"}


class StripeError(Exception):
    def __init__(self, status: int, error: dict, *, stored: bool = True) -> None:
        super().__init__(error.get("message", ""))
        self.status = status
        self.error = error
        # Stripe keeps no idempotent result for a request refused by validation.
        self.stored = stored


def invalid(message: str, *, param: str | None = None, code: str | None = None, status: int = 400) -> StripeError:
    error = {"type": "invalid_request_error", "message": message}
    if param:
        error["param"] = param
    if code:
        error["code"] = code
    return StripeError(status, error, stored=False)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    # The form-encoded body (or query string) as Stripe reads it: one value per name.
    params: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Outage:
    kind: str
    path: str
    processed: bool
    times: int | None


@dataclass
class _Answer:
    status: int
    body: dict
    headers: dict[str, str] = field(default_factory=dict)


class StripeStub:
    def __init__(self, *, stall_seconds: float = 5.0) -> None:
        self.stall_seconds = stall_seconds
        self.requests: list[RecordedRequest] = []
        self.intents: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.events: list[dict] = []
        # What Stripe knows of an intent and does not show in it.
        self._authenticated: set[str] = set()
        self._return_urls: dict[str, str | None] = {}
        self._refunded: dict[str, int] = {}
        self._idempotent: dict[tuple[str, str], tuple[tuple, _Answer]] = {}
        self._outages: list[Outage] = []
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self._in_flight: set[tuple[str, str | None]] = set()
        self._released = threading.Event()
        self._stalled = 0
        self._drained = threading.Condition(self._lock)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._server.stub = self
        self._thread = threading.Thread(target=self._server.serve_forever, name="stripe-stub", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "StripeStub":
        self._thread.start()
        return self

    def stop(self) -> None:
        # Stalled answers are let go: nobody waits for them any more.
        self._released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "StripeStub":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # --- for tests -----------------------------------------------------------------------

    def fail_next(self, kind: str, *, times: int | None = 1, path: str = "/v1/", processed: bool = False) -> None:
        """The next `times` API requests under `path` (all of them, with
        None) fail: "error" answers 500, "stall" answers after
        `stall_seconds` or at `release`. With `processed`, the request is
        carried out first; otherwise an error does nothing, a stall does it late."""
        if kind not in ("error", "stall"):
            raise ValueError(f"unknown outage {kind!r}")
        with self._lock:
            self._outages.append(Outage(kind, path, processed, times))

    def recover(self) -> None:
        with self._lock:
            self._outages.clear()

    def release(self) -> None:
        """Stalled requests go on now: carried out, if they were not, and
        answered (to clients that gave up on them)."""
        with self._lock:
            self._released.set()
            self._drained.wait_for(lambda: self._stalled == 0, timeout=5)
            self._released.clear()

    def requests_to(self, path: str, method: str = "POST") -> list[RecordedRequest]:
        with self._lock:
            return [request for request in self.requests if request.path == path and request.method == method]

    def authenticate(self, intent_id: str, *, succeeded: bool = True) -> None:
        """The customer on the 3-D Secure page: passes or fails it."""
        with self._lock:
            intent = self.intents[intent_id]
            if intent["status"] != "requires_action":
                raise ValueError(f"{intent_id} is {intent['status']}, not waiting for authentication")
            intent["next_action"] = None
            if not succeeded:
                self._payment_failed(
                    intent,
                    code="payment_intent_authentication_failure",
                    message="We are unable to authenticate your payment method. "
                    "Please choose a different payment method and try again.",
                )
                return
            self._authenticated.add(intent_id)
            if intent["confirmation_method"] == "manual":
                intent["status"] = "requires_confirmation"
            else:
                self._succeed(intent)

    def event_body(self, event_type: str, object_id: str) -> bytes:
        """The latest event of this type about this object, as Stripe posts it to a webhook."""
        with self._lock:
            for event in reversed(self.events):
                if event["type"] == event_type and event["data"]["object"]["id"] == object_id:
                    return json.dumps(event).encode()
        raise LookupError(f"no {event_type} event for {object_id}")

    def refunded(self, intent_id: str) -> int:
        with self._lock:
            return self._refunded[intent_id]

    # --- the API -------------------------------------------------------------------------

    def _receive(self, request: RecordedRequest) -> _Answer:
        """The answer to a request, given once any stall due is over (in the request's thread)."""
        with self._lock:
            self.requests.append(request)
            if request.path.startswith("/3d_secure_2/"):
                return self._authentication_page(request)
            api_key = _bearer(request.header("Authorization"))
            if api_key is None:
                return _error_answer(
                    invalid(
                        "You did not provide an API key. You need to provide your API key in the Authorization "
                        "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
                        status=401,
                    )
                )
            if not api_key.startswith("sk_"):
                return _error_answer(invalid(f"Invalid API Key provided: {api_key[:8]}***", status=401))
            outage = self._outage_for(request.path)
            if outage is None:
                return self._idempotent_answer(api_key, request)
            if outage.kind == "error":
                if outage.processed:
                    self._idempotent_answer(api_key, request)
                return _api_error()
            # A stall: the work is done before it, or (Stripe still busy with it) after.
            answer = self._idempotent_answer(api_key, request) if outage.processed else None
            in_flight = (api_key, request.header("Idempotency-Key"))
            if answer is None:
                self._in_flight.add(in_flight)
            self._stalled += 1
        self._released.wait(self.stall_seconds)
        with self._lock:
            if answer is None:
                self._in_flight.discard(in_flight)
                answer = self._idempotent_answer(api_key, request)
            self._stalled -= 1
            self._drained.notify_all()
        return answer

    def _idempotent_answer(self, api_key: str, request: RecordedRequest) -> _Answer:
        key = request.header("Idempotency-Key")
        if request.method != "POST" or not key:
            return self._answer(request)
        if len(key) > 255:
            return _error_answer(invalid("Idempotency keys are limited to 255 characters."))
        fingerprint = (request.method, request.path, tuple(sorted(request.params.items())))
        if (api_key, key) in self._in_flight:
            return _Answer(
                409,
                {
                    "error": {
                        "type": "idempotency_error",
                        "message": "There is currently another in-progress request using this Stripe API key and "
                        f"idempotency key ({key}). Please try again later.",
                    }
                },
            )
        stored = self._idempotent.get((api_key, key))
        if stored is not None:
            first, answer = stored
            if first != fingerprint:
                return _Answer(
                    400,
                    {
                        "error": {
                            "type": "idempotency_error",
                            "message": "Keys for idempotent requests can only be used with the same parameters "
                            f"they were first used with. Try using a key other than '{key}' if you meant to "
                            "execute a different request.",
                        }
                    },
                )
            return _Answer(answer.status, answer.body, {"Idempotent-Replayed": "true", "Idempotency-Key": key})
        try:
            answer = _Answer(200, self._route(request))
        except StripeError as error:
            answer = _error_answer(error)
            if not error.stored:
                return answer
        self._idempotent[(api_key, key)] = (fingerprint, answer)
        return _Answer(answer.status, answer.body, {"Idempotency-Key": key})

    def _answer(self, request: RecordedRequest) -> _Answer:
        try:
            return _Answer(200, self._route(request))
        except StripeError as error:
            return _error_answer(error)

    def _route(self, request: RecordedRequest) -> dict:
        method, path, params = request.method, request.path, request.params
        if method == "POST" and path == "/v1/payment_intents":
            return self._intent_create(params)
        if method == "POST" and (match := re.fullmatch(r"/v1/payment_intents/(\w+)/confirm", path)):
            return self._intent_confirm(match[1], params)
        if method == "GET" and (match := re.fullmatch(r"/v1/payment_intents/(\w+)", path)):
            return copy.deepcopy(self._intent(match[1]))
        if method == "POST" and path == "/v1/refunds":
            return self._refund_create(params)
        raise invalid(f"Unrecognized request URL ({method}: {path}).", status=404)

    def _intent_create(self, params: dict[str, str]) -> dict:
        _refuse_unknown(params, CREATE_PARAMS)
        amount = _positive_integer(params, "amount", required=True)
        currency = params.get("currency")
        if currency is None:
            raise invalid("Missing required param: currency.", param="currency", code="parameter_missing")
        if not re.fullmatch(r"[A-Za-z]{3}", currency):
            raise invalid(f"Invalid currency: {currency}.", param="currency", code="parameter_invalid")
        confirmation_method = params.get("confirmation_method", "automatic")
        if confirmation_method not in ("automatic", "manual"):
            raise invalid(f"Invalid confirmation_method: {confirmation_method}", param="confirmation_method")
        payment_method = params.get("payment_method")
        if payment_method is not None:
            _known_payment_method(payment_method)
        confirm = _boolean(params, "confirm")
        if confirm and payment_method is None:
            raise invalid(
                "You cannot confirm this PaymentIntent because it's missing a payment method.",
                code="payment_intent_unexpected_state",
            )
        intent_id = self._new_id("pi")
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_received": 0,
            "currency": currency.lower(),
            "status": "requires_confirmation" if payment_method else "requires_payment_method",
            "confirmation_method": confirmation_method,
            "payment_method": payment_method,
            "next_action": None,
            "last_payment_error": None,
            "latest_charge": None,
            "metadata": _metadata(params),
            "description": params.get("description"),
            "client_secret": f"{intent_id}_secret_{next(self._ids):08d}",
            "created": int(time.time()),
            "livemode": False,
        }
        self.intents[intent_id] = intent
        self._return_urls[intent_id] = params.get("return_url")
        self._refunded[intent_id] = 0
        self._event("payment_intent.created", intent)
        if confirm:
            self._attempt(intent)
        return copy.deepcopy(intent)

    def _intent_confirm(self, intent_id: str, params: dict[str, str]) -> dict:
        intent = self._intent(intent_id)
        _refuse_unknown(params, CONFIRM_PARAMS)
        if "payment_method" in params:
            _known_payment_method(params["payment_method"])
            intent["payment_method"] = params["payment_method"]
            self._authenticated.discard(intent_id)
        if "return_url" in params:
            self._return_urls[intent_id] = params["return_url"]
        if intent["status"] in ("succeeded", "canceled", "processing"):
            raise self._unexpected_state(
                intent,
                f"You cannot confirm this PaymentIntent because it has a status of {intent['status']}."
                if intent["status"] != "succeeded"
                else "You cannot confirm this PaymentIntent because it has already succeeded after being "
                "previously confirmed.",
            )
        if intent["payment_method"] is None:
            raise self._unexpected_state(
                intent,
                "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the "
                "PaymentIntent with a payment method, provide one with the payment_method parameter.",
            )
        self._attempt(intent)
        return copy.deepcopy(intent)

    def _attempt(self, intent: dict) -> None:
        """Charge the intent's payment method: Stripe's test cards decide."""
        payment_method = intent["payment_method"]
        if payment_method in DECLINED_CARDS:
            self._payment_failed(
                intent,
                code="card_declined",
                message="Your card was declined.",
                decline_code=DECLINED_CARDS[payment_method],
            )
            raise StripeError(402, {**intent["last_payment_error"], "payment_intent": copy.deepcopy(intent)})
        if payment_method in THREE_D_SECURE_CARDS and intent["id"] not in self._authenticated:
            intent["status"] = "requires_action"
            return_url = self._return_urls[intent["id"]]
            if return_url:
                query = urlencode({"payment_intent": intent["id"], "client_secret": intent["client_secret"]})
                intent["next_action"] = {
                    "type": "redirect_to_url",
                    "redirect_to_url": {
                        "url": f"{self.url}/3d_secure_2/hosted?{query}",
                        "return_url": return_url,
                    },
                }
            else:
                intent["next_action"] = {
                    "type": "use_stripe_sdk",
                    "use_stripe_sdk": {"type": "three_d_secure_redirect"},
                }
            self._event("payment_intent.requires_action", intent)
            return
        self._succeed(intent)

    def _succeed(self, intent: dict) -> None:
        intent.update(
            status="succeeded",
            amount_received=intent["amount"],
            latest_charge=self._new_id("ch"),
            next_action=None,
            last_payment_error=None,
        )
        self._event("payment_intent.succeeded", intent)

    def _payment_failed(self, intent: dict, *, code: str, message: str, decline_code: str | None = None) -> None:
        error = {"type": "card_error", "code": code, "message": message, "payment_method": intent["payment_method"]}
        if decline_code:
            error["decline_code"] = decline_code
        # As at Stripe: the failed payment method is let go, another one is needed.
        intent.update(status="requires_payment_method", last_payment_error=error, payment_method=None)
        self._event("payment_intent.payment_failed", intent)

    def _refund_create(self, params: dict[str, str]) -> dict:
        _refuse_unknown(params, REFUND_PARAMS)
        if "payment_intent" not in params and "charge" not in params:
            raise invalid("One of the following params should be provided for this request: payment_intent or charge.")
        if "payment_intent" in params:
            intent = self._intent(params["payment_intent"], param="payment_intent")
        else:
            intent = next((i for i in self.intents.values() if i["latest_charge"] == params["charge"]), None)
            if intent is None:
                raise invalid(f"No such charge: '{params['charge']}'", param="charge", code="resource_missing")
        if params.get("reason") is not None and params["reason"] not in REFUND_REASONS:
            raise invalid(f"Invalid reason: must be one of {', '.join(sorted(REFUND_REASONS))}", param="reason")
        if intent["status"] != "succeeded":
            raise invalid(
                f"This PaymentIntent ({intent['id']}) does not have a successful charge to refund.",
                param="payment_intent",
            )
        left = intent["amount_received"] - self._refunded[intent["id"]]
        if left == 0:
            raise invalid(
                f"Charge {intent['latest_charge']} has already been refunded.", code="charge_already_refunded"
            )
        amount = _positive_integer(params, "amount", required=False)
        if amount is None:
            amount = left
        if amount > left:
            raise invalid(
                f"Refund amount ({amount} {intent['currency']}) is greater than unrefunded amount on charge "
                f"({left} {intent['currency']})",
                param="amount",
                code="amount_too_large",
            )
        self._refunded[intent["id"]] += amount
        refund = {
            "id": self._new_id("re"),
            "object": "refund",
            "amount": amount,
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "charge": intent["latest_charge"],
            "reason": params.get("reason"),
            "status": "succeeded",
            "created": int(time.time()),
        }
        self.refunds[refund["id"]] = refund
        self._event("refund.created", refund)
        return copy.deepcopy(refund)

    def _authentication_page(self, request: RecordedRequest) -> _Answer:
        """Stripe's hosted 3-D Secure page, the customer passing it: back to the merchant's return_url."""
        intent = self.intents.get(request.params.get("payment_intent", ""))
        if intent is None or request.params.get("client_secret") != intent["client_secret"]:
            return _Answer(404, {"error": {"type": "invalid_request_error", "message": "Unknown authentication."}})
        if intent["status"] == "requires_action":
            self.authenticate(intent["id"])
        query = urlencode(
            {
                "payment_intent": intent["id"],
                "payment_intent_client_secret": intent["client_secret"],
                "redirect_status": "succeeded" if intent["status"] != "requires_payment_method" else "failed",
            }
        )
        return _Answer(302, {}, {"Location": f"{self._return_urls[intent['id']]}?{query}"})

    # --- bookkeeping -----------------------------------------------------------------------

    def _intent(self, intent_id: str, *, param: str = "intent") -> dict:
        intent = self.intents.get(intent_id)
        if intent is None:
            raise invalid(f"No such payment_intent: '{intent_id}'", param=param, code="resource_missing", status=404)
        return intent

    def _unexpected_state(self, intent: dict, message: str) -> StripeError:
        return StripeError(
            400,
            {
                "type": "invalid_request_error",
                "code": "payment_intent_unexpected_state",
                "message": message,
                "payment_intent": copy.deepcopy(intent),
            },
        )

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}_3Stub{next(self._ids):019d}"

    def _event(self, event_type: str, obj: dict) -> None:
        self.events.append(
            {
                "id": self._new_id("evt"),
                "object": "event",
                "api_version": API_VERSION,
                "created": int(time.time()),
                "livemode": False,
                "pending_webhooks": 1,
                "type": event_type,
                "data": {"object": copy.deepcopy(obj)},
            }
        )

    def _outage_for(self, path: str) -> Outage | None:
        for outage in self._outages:
            if path.startswith(outage.path):
                if outage.times is not None:
                    outage.times -= 1
                    if outage.times == 0:
                        self._outages.remove(outage)
                return outage
        return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ThreadingHTTPServer

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def log_message(self, format: str, *args) -> None:
        pass

    def _serve(self) -> None:
        stub: StripeStub = self.server.stub
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        url = urlsplit(self.path)
        headers = {name.lower(): value for name, value in self.headers.items()}
        content_type = headers.get("content-type", "").partition(";")[0].strip()
        if body and content_type != "application/x-www-form-urlencoded":
            raw = ""
        else:
            raw = body.decode("utf-8", "replace") if body else url.query
        request = RecordedRequest(self.command, url.path, headers, dict(parse_qsl(raw, keep_blank_values=True)), body)
        if body and not raw:
            with stub._lock:
                stub.requests.append(request)
            answer = _error_answer(invalid("Stripe takes form-encoded request bodies."))
        else:
            answer = stub._receive(request)
        self._send(answer)

    def _send(self, answer: _Answer) -> None:
        payload = json.dumps(answer.body).encode()
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Stripe-Version", API_VERSION)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            # The client gave up (a stalled answer): nothing to tell it.
            self.close_connection = True


def _bearer(authorization: str | None) -> str | None:
    scheme, _, key = (authorization or "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return key.strip() or None


def _error_answer(error: StripeError) -> _Answer:
    return _Answer(error.status, {"error": error.error})


def _api_error() -> _Answer:
    return _Answer(500, {"error": {"type": "api_error", "message": "An unknown error occurred"}})


def _refuse_unknown(params: dict[str, str], known: set[str]) -> None:
    for name in params:
        if name.partition("[")[0] not in known and not name.startswith("metadata["):
            raise invalid(f"Received unknown parameter: {name}", param=name, code="parameter_unknown")


def _positive_integer(params: dict[str, str], name: str, *, required: bool) -> int | None:
    value = params.get(name)
    if value is None:
        if required:
            raise invalid(f"Missing required param: {name}.", param=name, code="parameter_missing")
        return None
    if not re.fullmatch(r"[0-9]+", value):
        raise invalid(f"Invalid integer: {value}", param=name, code="parameter_invalid_integer")
    if int(value) < 1:
        raise invalid("This value must be greater than or equal to 1.", param=name, code="parameter_invalid_integer")
    return int(value)


def _boolean(params: dict[str, str], name: str) -> bool:
    value = params.get(name, "false")
    if value not in ("true", "false"):
        raise invalid(f"Invalid boolean: {value}", param=name, code="parameter_invalid_boolean")
    return value == "true"


def _known_payment_method(payment_method: str) -> None:
    if payment_method not in SUCCEEDING_CARDS | set(DECLINED_CARDS) | THREE_D_SECURE_CARDS:
        raise invalid(f"No such PaymentMethod: '{payment_method}'", param="payment_method", code="resource_missing")


def _metadata(params: dict[str, str]) -> dict[str, str]:
    return {name[len("metadata[") : -1]: value for name, value in params.items() if name.startswith("metadata[")}
