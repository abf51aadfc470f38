"""Listing search and availability at 100,000 listings, uncached and cached, and the search cache's hit rate.

Seeds PostgreSQL (bench.search_data: 100,000 published listings over 200
cities, 1,000,000 booked or blocked nights, by COPY) and prints PostgreSQL's
plan of each kind of search. Then runs the app the production way (granian,
2 workers, DEBUG off, PostgreSQL, Redis) and loads it with wrk on loopback,
each request a different search of its kind (300 of each, rotated):

  city_dates_guests           city + check-in/out + guests
  city_dates_amenities_price  city + check-in/out + two amenities + a price range
  bbox_dates                  a map's bounding box (about 20 × 20 km) + check-in/out
  text_city                   words (`q`) + city
  availability                a listing's month (random listings and months)

  - uncached: on a server started with CACHE_ENABLED=false, so every search
    and every calendar is computed;
  - cached:   on a server with the cache, after one pass over the searches,
    all kinds rotated together.

Each is measured at 1 connection (one search at a time) and at
--connections. Last, the mixed load: --search-rate searches a second over the
50 busiest cities (popular cities and dates searched more, as people do:
the distribution is in `mixed_search`), while one calendar change a second
(a host blocking 1-3 nights in the next two months of a listing those
searches show) goes through the API; after --mixed-warmup seconds of the same
load (a cache is measured warm, as it is during a day), the hit rate is read
from the server's own cache metrics.

Targets: uncached p95 < 50 ms, cached p95 < 5 ms, hit rate >= 80 %."""

from __future__ import annotations

import datetime
import http.client
import json
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from urllib.parse import urlencode

from bench.catalog import cache_lookups, prepare_catalogs
from bench.environment import (
    REPO_ROOT,
    BenchEnvironment,
    BenchError,
    add_environment_arguments,
    environment_from_args,
    machine,
)
from bench.load import LoadResult, add_load_arguments, load_settings, percentile, require_wrk, run_wrk
from bench.report import format_value, print_table, summary_line
from bench.servers import Server, request

NAME = "search"
WORKERS = 2
PATHS_PER_KIND = 300
TARGET_UNCACHED_P95_MS = 50.0
TARGET_CACHED_P95_MS = 5.0
TARGET_HIT_RATE = 0.80
KINDS = ("city_dates_guests", "city_dates_amenities_price", "bbox_dates", "text_city")
WORDS = ["playa", "vista", "terraza", "piscina", "historic", "cozy", "garden", "centrico", "mountain", "moderno"]
AMENITIES = ["wifi", "kitchen", "pool", "free_parking", "air_conditioning", "workspace", "tv", "washer"]
SEARCH_NAMESPACE = ("listing-search",)
SEARCH_PATH = "/api/listings/search/?"


def add_arguments(parser) -> None:
    parser.add_argument("--workers", type=int, default=WORKERS, help=f"web worker processes ({WORKERS})")
    parser.add_argument("--mixed-seconds", type=float, default=60.0, help="length of the measured mixed load (60)")
    parser.add_argument(
        "--mixed-warmup", type=float, default=60.0, help="mixed load run first, unmeasured, as a day does (60)"
    )
    parser.add_argument("--search-rate", type=float, default=200.0, help="searches a second in the mixed load (200)")
    add_load_arguments(parser, duration=8.0, warmup=2.0, connections=16, rounds=1)
    add_environment_arguments(parser)


def run(args) -> int:
    require_wrk()
    env = environment_from_args(args)
    load = load_settings(args)
    info = machine()
    print(f"machine: {info['cores']} cores, {info['cpu']}, Python {info['python']}, Linux {info['kernel']}")
    prepare_catalogs(env)
    data = prepare_data(env)
    print(
        f"data: {data['listings']} listings, {data['nights']} booked or blocked nights in {data['ranges']} ranges, "
        f"{len(data['cities'])} cities" + (f" (seeded now in {data['seconds']} s)" if data["seeded"] else "")
    )
    rng = random.Random(20261129)
    today = datetime.date.today()  # noqa: DTZ011 - the server's business day is close enough for picking dates
    cities = data["cities"]
    _city_places.update({int(city): tuple(place) for city, place in data["city_places"].items()})
    searches = {kind: [search_of(kind, rng, cities, today) for _ in range(PATHS_PER_KIND)] for kind in KINDS}
    paths = {
        kind: ["/api/listings/search/?" + urlencode(query) for query in queries] for kind, queries in searches.items()
    }
    paths["availability"] = [
        f"/api/listings/{rng.randint(data['first_listing'], data['last_listing'])}/availability/"
        f"?month={(today.replace(day=1) + datetime.timedelta(days=32 * rng.randint(0, 3))):%Y-%m}"
        for _ in range(PATHS_PER_KIND)
    ]
    print_plans(env, {kind: queries[0] for kind, queries in searches.items()})
    headers = {"Accept": "application/json"}
    wrk_headers = [f"{name}: {value}" for name, value in headers.items()]
    levels = sorted({1, load.connections})

    results: dict[tuple[str, int], LoadResult] = {}
    with Server("granian", env, args.workers, extra_env={"CACHE_ENABLED": "false"}).start() as server:
        check_answers(server, paths)
        for kind in (*KINDS, "availability"):
            for level in levels:
                results["uncached " + kind, level] = wrk_over(server, paths[kind], level, load, wrk_headers)
    with Server("granian", env, args.workers).start() as server:
        every_search = [path for kind in KINDS for path in paths[kind]]
        for path in every_search:
            request(server.base_url + path, headers)
        before = cache_lookups(server, SEARCH_NAMESPACE)
        for level in levels:
            results["cached searches", level] = wrk_over(server, every_search, level, load, wrk_headers)
        cached_lookups = cache_lookups(server, SEARCH_NAMESPACE) - before
        if args.mixed_warmup > 0:
            mixed_load(server, data, rng, today, args.search_rate, args.mixed_warmup)
        mixed = mixed_load(server, data, rng, today, args.search_rate, args.mixed_seconds)

    for key, result in results.items():
        if result.error_count:
            raise BenchError(f"{key}: wrk saw errors {result.errors}; the figures are not valid")
    print_results(results, levels)
    hits = sum(count for (tier, result), count in cached_lookups.items() if result == "hit")
    local = cached_lookups["local", "hit"]
    print(f"cached searches: {hits} of {cached_lookups.total()} lookups were hits ({local} from the local tier)")
    print(
        f"mixed load: {mixed['searches']} searches in {mixed['seconds']:.0f} s ({mixed['rate']:.0f}/s), "
        f"{mixed['changes']} calendar changes ({mixed['refused']} refused: dates taken), "
        f"search p50 {format_value(mixed['p50_ms'])} ms, p95 {format_value(mixed['p95_ms'])} ms, "
        f"errors {mixed['errors']}; search cache: {mixed['hits']} hits, {mixed['misses']} misses "
        f"-> hit rate {mixed['hit_rate']:.1%}"
    )
    uncached_p95 = max(results["uncached " + kind, 1].p95_ms for kind in KINDS)
    uncached_p95_loaded = max(results["uncached " + kind, load.connections].p95_ms for kind in KINDS)
    cached_p95 = results["cached searches", 1].p95_ms
    cached_p95_loaded = results["cached searches", load.connections].p95_ms
    availability_p95 = results["uncached availability", 1].p95_ms
    verdicts = [
        f"uncached p95 {format_value(uncached_p95)} ms at 1, {format_value(uncached_p95_loaded)} ms at "
        f"{load.connections} (< {TARGET_UNCACHED_P95_MS:g}): "
        + ("met" if uncached_p95 < TARGET_UNCACHED_P95_MS else "NOT met")
        + (" at both" if uncached_p95_loaded < TARGET_UNCACHED_P95_MS else f", not at {load.connections}"),
        f"cached p95 {format_value(cached_p95)} ms at 1, {format_value(cached_p95_loaded)} ms at {load.connections} "
        f"(< {TARGET_CACHED_P95_MS:g}): "
        + ("met" if cached_p95 < TARGET_CACHED_P95_MS else "NOT met")
        + (" at both" if cached_p95_loaded < TARGET_CACHED_P95_MS else f", not at {load.connections}"),
        f"hit rate {mixed['hit_rate']:.1%} (>= {TARGET_HIT_RATE:.0%}): "
        + ("met" if mixed["hit_rate"] >= TARGET_HIT_RATE else "NOT met"),
    ]
    print("targets: " + "; ".join(verdicts))
    print(
        summary_line(
            NAME,
            {
                "uncached_p95_ms": uncached_p95,
                f"uncached_p95_ms_at_{load.connections}": uncached_p95_loaded,
                "cached_p95_ms": cached_p95,
                f"cached_p95_ms_at_{load.connections}": cached_p95_loaded,
                "availability_p95_ms": availability_p95,
                "hit_rate": round(mixed["hit_rate"], 3),
                "listings": data["listings"],
                "nights": data["nights"],
            },
        )
    )
    return 0


def prepare_data(env: BenchEnvironment) -> dict:
    seeded = subprocess.run(
        [sys.executable, "-m", "bench.search_data"], cwd=REPO_ROOT, env=env.server_env(), capture_output=True, text=True
    )
    line = next((ln for ln in seeded.stdout.splitlines() if ln.startswith("SEARCH_DATA ")), None)
    if seeded.returncode != 0 or line is None:
        raise BenchError(f"seeding the listings failed:\n{seeded.stdout[-2000:]}{seeded.stderr[-4000:]}")
    return json.loads(line.removeprefix("SEARCH_DATA "))


def search_of(kind: str, rng: random.Random, cities: list[int], today: datetime.date) -> dict[str, str]:
    """The query of one search of `kind`, in a city where listings are (weighted to the big ones)."""
    city = cities[min(int(rng.paretovariate(1.2)) - 1, len(cities) - 1)]
    check_in = today + datetime.timedelta(days=rng.randint(1, 150))
    stay = {"check_in": str(check_in), "check_out": str(check_in + datetime.timedelta(days=rng.randint(2, 7)))}
    if kind == "city_dates_guests":
        return {"city": str(city), **stay, "guests": str(rng.randint(1, 6))}
    if kind == "city_dates_amenities_price":
        low = rng.randint(40, 300)
        return {
            "city": str(city),
            **stay,
            "amenities": ",".join(sorted(rng.sample(AMENITIES, 2))),
            "min_price": str(low),
            "max_price": str(low + rng.randint(50, 250)),
        }
    if kind == "bbox_dates":
        return {"bbox": _bbox_near(rng, city), **stay}
    return {"q": rng.choice(WORDS), "city": str(city)}


_city_places: dict[int, tuple[float, float]] = {}


def _bbox_near(rng: random.Random, city: int) -> str:
    latitude, longitude = _city_places[city]
    latitude += rng.uniform(-0.05, 0.05)
    longitude += rng.uniform(-0.05, 0.05)
    return f"{longitude - 0.1:.3f},{latitude - 0.1:.3f},{longitude + 0.1:.3f},{latitude + 0.1:.3f}"


def print_plans(env: BenchEnvironment, examples: dict[str, dict[str, str]]) -> None:
    """PostgreSQL's plan of one search of each kind; the free-nights anti-join
    must use an index, never read the million nights."""
    filters = []
    for query in examples.values():
        search = {
            "city_id": int(query["city"]) if "city" in query else None,
            "bbox": query["bbox"].split(",") if "bbox" in query else None,
            "check_in": query.get("check_in"),
            "check_out": query.get("check_out"),
            "guests": int(query["guests"]) if "guests" in query else None,
            "min_price": query.get("min_price"),
            "max_price": query.get("max_price"),
            "text": query.get("q", ""),
        }
        filters.append(search)
    explained = subprocess.run(
        [sys.executable, "-m", "bench.search_data", "explain", json.dumps(filters)],
        cwd=REPO_ROOT,
        env=env.server_env(),
        capture_output=True,
        text=True,
    )
    if explained.returncode != 0:
        raise BenchError(f"EXPLAIN failed:\n{explained.stderr[-3000:]}")
    for kind, plan in zip(examples, explained.stdout.split("END PLAN")[:-1], strict=True):
        print(f"\n-- plan of {kind}: {plan.strip()}")
        if "Seq Scan on bookings_occupiedrange" in plan:
            raise BenchError(f"{kind}: the free-nights check reads the whole table of occupied ranges")
    print()


def check_answers(server: Server, paths: dict[str, list[str]]) -> None:
    """Every kind of search answers 200 with listings before anything is measured."""
    for kind, kind_paths in paths.items():
        found = 0
        for path in kind_paths[:20]:
            status, _, body = request(server.base_url + path, {"Accept": "application/json"})
            if status != 200:
                raise BenchError(f"{kind}: {path} answered {status}: {body[:300]!r}")
            answer = json.loads(body)
            found += len(answer.get("results", answer.get("nights", [])))
        if not found:
            raise BenchError(f"{kind}: 20 searches found nothing; the data or the searches are wrong")


def wrk_over(server: Server, paths: list[str], connections: int, load, headers: list[str]) -> LoadResult:
    if load.warmup > 0:
        run_wrk(server.base_url, duration=load.warmup, connections=connections, headers=headers, paths=paths)
    return run_wrk(
        server.base_url,
        duration=load.duration,
        connections=connections,
        threads=min(load.threads, connections),
        timeout=load.timeout,
        headers=headers,
        paths=paths,
    )


def print_results(results: dict[tuple[str, int], LoadResult], levels: list[int]) -> None:
    rows = []
    for case in dict.fromkeys(case for case, _ in results):
        row = [case]
        for level in levels:
            result = results[case, level]
            row += [result.rps, result.p50_ms, result.p95_ms, result.p99_ms]
        rows.append(row)
    headers = ["case"]
    for level in levels:
        headers += [f"req/s @{level}", f"p50 ms @{level}", f"p95 ms @{level}", f"p99 ms @{level}"]
    print()
    print_table(headers, rows)


# --- the mixed load ---------------------------------------------------------------------


def mixed_search(rng: random.Random, cities: list[int], today: datetime.date) -> dict[str, str]:
    """A search as people make them: the 50 busiest cities, the big ones far
    more often; 60 % with dates, mostly the coming weekends; two guests most
    often; the default order mostly; page one."""
    query = {"city": str(cities[min(int(rng.paretovariate(1.1)) - 1, 49)])}
    if rng.random() < 0.6:
        if rng.random() < 0.7:
            friday = today + datetime.timedelta(days=(4 - today.weekday()) % 7 + 7 * rng.randint(0, 5))
            check_in, nights = friday, rng.choice([2, 2, 3])
        else:
            check_in, nights = today + datetime.timedelta(days=rng.randint(1, 60)), rng.randint(2, 7)
        query |= {"check_in": str(check_in), "check_out": str(check_in + datetime.timedelta(days=nights))}
    query["guests"] = str(rng.choice([1, 2, 2, 2, 2, 3, 4]))
    if rng.random() < 0.2:
        query["sort"] = rng.choice(["newest", "-price"])
    if rng.random() < 0.1:
        query["amenities"] = "wifi"
    return query


class _Connection:
    """One keep-alive connection to the server, reopened after an error."""

    def __init__(self, base_url: str) -> None:
        self.host = base_url.removeprefix("http://")
        self.connection = http.client.HTTPConnection(self.host, timeout=10)

    def call(self, method: str, path: str, headers: dict[str, str], body: bytes | None = None) -> tuple[int, bytes]:
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = http.client.HTTPConnection(self.host, timeout=10)
            return 0, b""


def mixed_load(
    server: Server, data: dict, rng: random.Random, today: datetime.date, rate: float, seconds: float
) -> dict[str, float]:
    cities = data["cities"]
    accept = {"Accept": "application/json"}
    shown = []
    for city in cities[:50]:
        _, _, body = request(f"{server.base_url}{SEARCH_PATH}city={city}", accept)
        shown += [row["id"] for row in json.loads(body)["results"]]
    staff = {**accept, "Authorization": f"Token {data['token']}", "Content-Type": "application/json"}
    before = cache_lookups(server, SEARCH_NAMESPACE)
    latencies: list[float] = []
    errors = Counter()
    changes = {"made": 0, "refused": 0}
    lock = threading.Lock()
    schedule = iter(range(10**9))
    started = time.monotonic()
    stop = started + seconds

    def searcher(seed: int) -> None:
        local, connection = random.Random(seed), _Connection(server.base_url)
        while True:
            with lock:
                number = next(schedule)
            due = started + number / rate
            if due >= stop:
                return
            time.sleep(max(0.0, due - time.monotonic()))
            sent = time.monotonic()
            status, _ = connection.call("GET", SEARCH_PATH + urlencode(mixed_search(local, cities, today)), accept)
            with lock:
                latencies.append((time.monotonic() - sent) * 1000)
                if status != 200:
                    errors[status] += 1

    def host_at_work() -> None:
        connection = _Connection(server.base_url)
        while time.monotonic() < stop:
            tick = time.monotonic()
            for _ in range(10):
                first = today + datetime.timedelta(days=rng.randint(1, 60))
                nights = {"start_date": str(first), "end_date": str(first + datetime.timedelta(days=rng.randint(1, 3)))}
                path = f"/api/listings/{rng.choice(shown)}/blocks/"
                status, _ = connection.call("POST", path, staff, json.dumps(nights).encode())
                if status == 201:
                    changes["made"] += 1
                    break
                changes["refused"] += 1
            time.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))

    threads = [threading.Thread(target=searcher, args=(seed,)) for seed in range(12)]
    threads.append(threading.Thread(target=host_at_work))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    lookups = cache_lookups(server, SEARCH_NAMESPACE) - before
    hits = sum(count for (tier, result), count in lookups.items() if result == "hit")
    # A miss is looked up twice (by the middleware, then by the view).
    misses = len(latencies) - hits
    return {
        "searches": len(latencies),
        "seconds": elapsed,
        "rate": len(latencies) / elapsed,
        "changes": changes["made"],
        "refused": changes["refused"],
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "errors": dict(errors),
        "hits": hits,
        "misses": misses,
        "hit_rate": hits / (hits + misses) if hits + misses else 0.0,
    }
