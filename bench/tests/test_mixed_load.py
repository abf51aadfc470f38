"""bench/mixed.lua under wrk against a stub server whose answers we choose:
the script's checks call a wrong answer wrong (a 200 without the expected
field, an uncontended 409) and a contended 409 right, and the report reads
what it printed. Needs wrk (skipped without it)."""

import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.mixed_load import data_file, run_mix
from bench.mixed_report import figures, per_second, recovery_seconds

pytestmark = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (apt-get install -y wrk)")

RUN = {
    "today": "2026-12-01",
    "night": "2027-06-01",
    "tokens": {"guests": [[1, "g1"], [2, "g2"]], "hosts": [[3, "h3"]], "staff": [[4, "s4"]]},
    "cities": [10, 11],
    "first_listing": 1,
    "last_listing": 100,
    "listings": [1, 79],
    "contended": [80, 100],
    "pay_pool": [[5000, 1], [5001, 2]],
    "conversations": {"send": [[41, "g1"], [42, "g2"]], "users": [[1, "g1"]], "conversations": [[41, "g1"]]},
}


class Stub(BaseHTTPRequestHandler):
    """Right answers, except: the sales list forgets its results, and a
    booking on a contended listing is refused (right) as is one on listing 7
    (wrong: nobody else asks for its nights)."""

    messages = 0

    def _answer(self, status: int, body: dict) -> None:
        content = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def do_GET(self):
        if self.path.startswith("/api/ventas/"):
            self._answer(200, {"count": 3})
        elif "/availability/" in self.path:
            self._answer(200, {"nights": []})
        elif self.path.startswith("/api/listings/search/"):
            self._answer(200, {"results": []})
        elif self.path.startswith("/api/listings/"):
            self._answer(200, {"id": 1, "nightly_price": "80.00"})
        elif self.path.startswith("/api/amenities/"):
            self._answer(200, [{"name": "Wifi"}])
        else:
            self._answer(200, {"results": []})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
        if self.path == "/api/bookings/":
            if body["listing"] >= 80 or body["listing"] == 7:
                self._answer(409, {"code": "dates_taken", "detail": "Taken"})
            else:
                self._answer(201, {"id": 9000 + body["listing"], "status": "pending_payment"})
        elif self.path.startswith("/api/conversations/"):
            type(self).messages += 1
            self._answer(201, {"id": type(self).messages, "body": body["body"]})
        elif self.path.endswith("/pay/"):
            self._answer(201, {"status": "succeeded"})
        else:
            self._answer(202, {"id": 1, "status": "pending"})

    def log_message(self, *args):
        pass


@pytest.fixture
def stub_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_the_script_checks_every_answer_and_the_report_reads_it(stub_url):
    routes = [("sales", 1), ("book", 3), ("detail", 1), ("pay", 1), ("send", 1)]
    path = data_file(RUN, routes=routes, threads=2, sales_pages=5)

    mix = run_mix(stub_url, path, routes, duration=2, threads=2, phase=1)

    samples = mix.samples
    assert len(samples) > 50
    assert figures(samples, "detail").error_count == 0
    # A 200 without "results" is a wrong answer, counted under its status.
    sales = figures(samples, "sales")
    assert sales.requests > 0
    assert sales.errors == {"200": sales.requests}
    # Contended refusals are right; the only wrong bookings are listing 7's refusals.
    book = figures(samples, "book")
    assert book.requests > 10
    assert set(book.errors) <= {"409"}
    assert book.error_count < book.requests / 2
    assert figures(samples, "pay").error_count == 0
    total = figures(samples)
    assert total.requests == len(samples)
    assert total.error_count == sales.requests + book.error_count
    assert samples.failures
    assert any(failure.startswith("sales 200") for failure in samples.failures)
    assert mix.cpu_seconds > 0
    # Each message sent is noted with its id, for its receipt to be matched.
    assert figures(samples, "send").error_count == 0
    assert len(samples.sends) == figures(samples, "send").requests > 0


def test_pacing_holds_the_rate(stub_url):
    routes = [("detail", 1)]
    path = data_file(RUN, routes=routes, threads=2, sales_pages=1)

    mix = run_mix(stub_url, path, routes, duration=2, threads=2, phase=1, rate=50)

    assert 60 <= len(mix.samples) <= 130


def test_recovery_is_counted_from_the_fault_until_p95_stays_under_target():
    buckets = [(0, 10.0, 0), (1, 900.0, 4), (2, 30.0, 1), (3, 20.0, 0), (4, 25.0, 0), (5, 80.0, 0), (6, 20.0, 0)]
    buckets += [(7, 20.0, 0), (8, 20.0, 0)]

    assert recovery_seconds(buckets, 1, 50.0) == 5
    assert recovery_seconds(buckets[:8], 1, 50.0) is None


def test_per_second_buckets_split_latencies_by_start():
    from bench.mixed_report import Samples

    samples = Samples(
        routes=["a"],
        route=[1, 1, 1, 1],
        start_ms=[1000.0, 1500.0, 2100.0, 2200.0],
        latency_ms=[5.0, 7.0, 100.0, 200.0],
        status=[200, 200, 500, 200],
        ok=[1, 1, 0, 1],
    )

    buckets = per_second(samples, 1000.0, 2)

    assert [second for second, _, _ in buckets] == [0, 1]
    assert buckets[0][2] == 0
    assert buckets[1][2] == 1
    assert 6.0 < buckets[0][1] <= 7.0
    assert 190.0 < buckets[1][1] <= 200.0


def test_delivery_is_matched_by_message_id_and_a_missing_one_counted():
    from bench.mixed_report import delivery_latencies

    latencies, missing = delivery_latencies({1: 1000.0, 2: 1010.0, 3: 1020.0}, {1: 1004.5, 3: 1030.0, 9: 1.0})

    assert sorted(latencies) == [4.5, 10.0]
    assert missing == 1


def test_a_fault_counts_its_wrong_answers_and_the_seconds_until_p95_is_back():
    from bench.drill import fault_rows
    from bench.mixed_report import Samples

    # A request every 100 ms for 40 s at 10 ms; from 20 s, 3 s of 500s at
    # 900 ms, then 2 s slow but right (300 ms), then quiet again.
    samples = Samples(routes=["a"])
    for tick in range(400):
        at = 1000.0 + tick * 100
        broken, slow = 20_000 <= at - 1000 < 23_000, 23_000 <= at - 1000 < 25_000
        samples.route.append(1)
        samples.start_ms.append(at)
        samples.latency_ms.append(900.0 if broken else 300.0 if slow else 10.0)
        samples.status.append(500 if broken else 200)
        samples.ok.append(0 if broken else 1)

    rows, worst, errors = fault_rows(samples, [("redis", 21_000.0, 24_000.0)], load_started_ms=1000.0)

    name, lasted, wrong, recovery, back = rows[0]
    assert (name, lasted, wrong) == ("redis", "3.0", "500: 30")
    assert errors == 30
    assert recovery == back == "5"
    assert worst == 5
