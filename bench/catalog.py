"""Catalog API throughput: cached catalog GETs against the stack's ceiling.

Runs the app on a WSGI server (2 workers, DEBUG off, PostgreSQL, Redis,
Prometheus multiprocess mode) and loads it with wrk on loopback:

  (a) ceiling   /bench/bare/, a plain Django view with a fixed 2 KB JSON body
  (b) paises    /api/paises/ served from the catalog cache (warmed)
  (c) ciudades  /api/ciudades/?search=lim served from the catalog cache (warmed)
  (d) uncached  /api/paises/ on a second server started with CACHE_ENABLED=false
  and, to tell the cost of the bytes from the cost of the code,
      bare_39k  /bench/bare-large/, the bare view with a body as large as (b)'s

Cases (a)-(c) and bare_39k are measured in turn, --rounds times, and each
case's median round is reported, so they see the same background load.

The project's target: (b) at least 80% of (a)'s requests/s, (b)'s p99 under 30 ms."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass

from bench import profiling
from bench.cpu import idle_share
from bench.environment import (
    BenchEnvironment,
    BenchError,
    add_environment_arguments,
    ensure_database,
    environment_from_args,
    flush_redis,
    machine,
    manage,
    table_rows,
)
from bench.load import (
    LoadResult,
    LoadSettings,
    add_load_arguments,
    load_settings,
    measure_rounds,
    median_round,
    require_wrk,
)
from bench.report import LOAD_HEADERS, format_value, load_rows, print_table, summary_line
from bench.servers import SERVER_COMMANDS, Server, request

NAME = "catalog"
# Measured on the reference machine (BENCHMARKS.md): the faster of the two on the cached path.
DEFAULT_SERVER = "granian"
WORKERS = 2
TARGET_RATIO = 0.80
TARGET_P99_MS = 30.0

BARE_PATH = "/bench/bare/"
COUNTRIES_PATH = "/api/paises/"
CITIES_PATH = "/api/ciudades/?search=lim"
JSON_HEADERS = {"Accept": "application/json"}
WRK_HEADERS = [f"{name}: {value}" for name, value in JSON_HEADERS.items()]
BARE_LARGE_PATH = "/bench/bare-large/"
# Measured in turn, round after round, on one server.
CACHED_CASES = {
    "ceiling": BARE_PATH,
    "paises": COUNTRIES_PATH,
    "ciudades": CITIES_PATH,
    # Diagnostic: the bare view with as many bytes as /api/paises/.
    "bare_39k": BARE_LARGE_PATH,
}


def add_arguments(parser) -> None:
    parser.add_argument(
        "--server",
        choices=[*SERVER_COMMANDS, "both"],
        default=DEFAULT_SERVER,
        help=f"WSGI server ({DEFAULT_SERVER}); 'both' measures each and compares them",
    )
    parser.add_argument("--workers", type=int, default=WORKERS, help=f"worker processes ({WORKERS})")
    parser.add_argument(
        "--server-option",
        action="append",
        default=[],
        metavar="KIND:OPTION",
        help="extra command-line option for one server, e.g. granian:--blocking-threads=1 (repeatable)",
    )
    parser.add_argument(
        "--profile",
        type=float,
        default=0,
        metavar="SECONDS",
        help="after measuring, sample the workers with py-spy for SECONDS under load on the cached path",
    )
    add_load_arguments(parser)
    add_environment_arguments(parser)


@dataclass
class ServerRun:
    kind: str
    results: dict[str, LoadResult]
    local_hits: int

    @property
    def ratio(self) -> float:
        return self.results["paises"].rps / self.results["ceiling"].rps

    def figures(self) -> dict[str, object]:
        return {
            "ceiling_rps": self.results["ceiling"].rps,
            "cached_rps": self.results["paises"].rps,
            "ratio": round(self.ratio, 3),
            "cached_p99_ms": self.results["paises"].p99_ms,
            "uncached_rps": self.results["uncached"].rps,
        }


def run(args) -> int:
    require_wrk()
    env = environment_from_args(args)
    load = load_settings(args)
    info = machine()
    print(f"machine: {info['cores']} cores, {info['cpu']}, Python {info['python']}, Linux {info['kernel']}")

    catalog_sizes = prepare_catalogs(env)
    print("catalogs: " + ", ".join(f"{count} {name}" for name, count in catalog_sizes.items()))
    print(
        f"load: wrk, {load.connections} connections, {load.threads} thread(s), "
        f"{load.warmup:g} s warm-up + {load.rounds} x {load.duration:g} s per case, loopback"
    )
    idle = idle_share()
    print(f"machine idle before loading: {idle:.0%}" + ("" if idle > 0.9 else "  WARNING: other processes busy"))

    kinds = list(SERVER_COMMANDS) if args.server == "both" else [args.server]
    options = server_options(args.server_option)
    runs = [run_server(kind, env, args.workers, load, args.profile, options.get(kind, [])) for kind in kinds]

    if len(runs) > 1:
        print("\nservers side by side (same run):")
        print_table(
            ["server", "ceiling req/s", "cached req/s", "ratio", "cached p99 ms", "ciudades req/s", "uncached req/s"],
            [
                [
                    r.kind,
                    r.results["ceiling"].rps,
                    r.results["paises"].rps,
                    round(r.ratio, 3),
                    r.results["paises"].p99_ms,
                    r.results["ciudades"].rps,
                    r.results["uncached"].rps,
                ]
                for r in runs
            ],
        )
    best = max(runs, key=lambda r: r.results["paises"].rps)
    figures = best.figures()
    meets = figures["ratio"] >= TARGET_RATIO and figures["cached_p99_ms"] < TARGET_P99_MS
    print(
        f"\ntarget (cached >= {TARGET_RATIO:.0%} of ceiling, p99 < {TARGET_P99_MS:g} ms) on {best.kind}: "
        + ("met" if meets else "NOT met")
    )
    summary = {"server": best.kind, "workers": args.workers, **figures}
    for other in runs:
        if other is not best:
            summary[f"{other.kind}_cached_rps"] = other.results["paises"].rps
            summary[f"{other.kind}_ratio"] = round(other.ratio, 3)
    print(summary_line(NAME, summary))
    return 0


def prepare_catalogs(env: BenchEnvironment) -> dict[str, int]:
    ensure_database(env)
    if table_rows(env, "core_country") == 0:
        print("countries table empty: loading the catalogs (manage.py load_catalogs)")
        loaded = manage(env, "load_catalogs", check=False)
        if loaded.returncode != 0:
            if "Unknown command" in loaded.stderr:
                raise BenchError("manage.py load_catalogs does not exist yet; the bench needs the real catalogs")
            raise BenchError(f"load_catalogs failed:\n{loaded.stdout[-2000:]}{loaded.stderr[-4000:]}")
    sizes = {
        name: table_rows(env, f"core_{table}")
        for name, table in (("countries", "country"), ("cities", "city"), ("currencies", "currency"))
    }
    if sizes["countries"] == 0 or sizes["cities"] == 0:
        raise BenchError(f"catalogs still empty after loading: {sizes}")
    # Stale entries of an earlier run (another database, other rows) must not be served.
    flush_redis(env)
    return sizes


def server_options(specs: list[str]) -> dict[str, list[str]]:
    options: dict[str, list[str]] = defaultdict(list)
    for spec in specs:
        kind, _, option = spec.partition(":")
        if kind not in SERVER_COMMANDS or not option.startswith("-"):
            raise BenchError(f"--server-option {spec!r}: expected KIND:--option, KIND one of {list(SERVER_COMMANDS)}")
        options[kind].append(option)
    return options


def run_server(
    kind: str, env: BenchEnvironment, workers: int, load: LoadSettings, profile_seconds: float, options: list[str]
) -> ServerRun:
    print(f"\n== {kind}, {workers} workers {' '.join(options)}==")
    rounds: dict[str, list[LoadResult]] = {}
    with Server(kind, env, workers, options=options).start() as server:
        check_multiprocess_metrics(server)
        check_bare(server, BARE_PATH, 1500, 3000)
        countries_body = check_countries(server)
        check_bare(server, BARE_LARGE_PATH, len(countries_body) * 0.9, len(countries_body) * 1.1)
        check_cities(server)
        before = cache_lookups(server)
        rounds.update(
            measure_rounds(
                {label: server.base_url + path for label, path in CACHED_CASES.items()},
                load,
                WRK_HEADERS,
                watch_pids=server.pids(),
            )
        )
        lookups = cache_lookups(server) - before
        if profile_seconds > 0:
            profiling.profile_under_load(server, server.base_url + COUNTRIES_PATH, profile_seconds, load, WRK_HEADERS)
    print(
        f"cached cases (warm-ups included): {lookups.total()} catalog cache lookups, "
        + ", ".join(f"{tier} {result} {count}" for (tier, result), count in sorted(lookups.items()))
    )
    if lookups[("local", "hit")] < 0.99 * lookups.total():
        raise BenchError(f"the cached cases were not answered from the per-process tier: {dict(lookups)}")

    uncached = {"CACHE_ENABLED": "false"}
    with Server(kind, env, workers, extra_env=uncached, options=options).start() as server:
        if check_countries(server) != countries_body:
            raise BenchError("with the cache disabled /api/paises/ answers a different body than the cached one")
        rounds.update(measure_rounds({"uncached": server.base_url + COUNTRIES_PATH}, load, WRK_HEADERS, server.pids()))
        if cache_lookups(server).total():
            raise BenchError("the server started with CACHE_ENABLED=false still answered from the cache")

    results = {label: median_round(runs) for label, runs in rounds.items()}
    for label, result in results.items():
        if result.error_count:
            raise BenchError(f"{kind} {label}: wrk saw errors {result.errors}; the figures are not valid")
    print_table(LOAD_HEADERS, load_rows(results))
    if load.rounds > 1:
        print(
            "req/s of each round: "
            + "; ".join(f"{label} " + "/".join(format_value(run.rps) for run in runs) for label, runs in rounds.items())
        )
    current = ServerRun(kind, results, lookups[("local", "hit")])
    print(
        f"{kind}: cached/ceiling = {format_value(current.ratio)}, "
        f"cached/same-size bare = {format_value(results['paises'].rps / results['bare_39k'].rps)}, "
        f"ciudades/ceiling = {format_value(results['ciudades'].rps / results['ceiling'].rps)}, "
        f"cached/uncached = {format_value(results['paises'].rps / results['uncached'].rps)}"
    )
    return current


# --- Checks made before anything is measured ---------------------------------


def _get_json(server: Server, path: str) -> tuple[object, bytes]:
    status, headers, body = request(server.base_url + path, JSON_HEADERS)
    content_type = headers.get("content-type", "")
    if status != 200 or not content_type.startswith("application/json"):
        raise BenchError(f"{server.kind} GET {path}: {status} {content_type}\n{body[:500]!r}\n{server.log_tail()}")
    return json.loads(body), body


def check_bare(server: Server, path: str, min_bytes: float, max_bytes: float) -> None:
    data, body = _get_json(server, path)
    if not isinstance(data, list) or not min_bytes <= len(body) <= max_bytes:
        raise BenchError(f"{path} answered an unexpected body of {len(body)} bytes")


def check_countries(server: Server) -> bytes:
    # Twice: the first may fill the cache, the second is the cached answer.
    _get_json(server, COUNTRIES_PATH)
    data, body = _get_json(server, COUNTRIES_PATH)
    if not isinstance(data, list) or len(data) < 100:
        raise BenchError(f"{COUNTRIES_PATH}: expected the list of countries, got {str(data)[:300]}")
    codes = {country.get("code") for country in data}
    if not {"PE", "ES", "US"} <= codes:
        raise BenchError(f"{COUNTRIES_PATH}: PE, ES or US missing from {len(codes)} countries")
    return body


def _plain(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)).casefold()


def check_cities(server: Server) -> None:
    _get_json(server, CITIES_PATH)
    data, _ = _get_json(server, CITIES_PATH)
    results = data.get("results") if isinstance(data, dict) else None
    if not results:
        raise BenchError(f"{CITIES_PATH}: no cities found: {str(data)[:300]}")
    strays = [city["name"] for city in results if not _plain(city["name"]).startswith("lim")]
    if strays:
        raise BenchError(f"{CITIES_PATH}: cities not matching the search: {strays[:5]}")


_SAMPLE = re.compile(r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?P<labels>[^}]*)\})?\s+(?P<value>\S+)$")


def scrape(server: Server) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    status, _headers, body = request(server.base_url + "/metrics")
    if status != 200:
        raise BenchError(f"/metrics answered {status}")
    samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = defaultdict(dict)
    for line in body.decode().splitlines():
        match = _SAMPLE.match(line)
        if match is None or line.startswith("#"):
            continue
        labels = tuple(sorted(re.findall(r'(\w+)="([^"]*)"', match["labels"] or "")))
        samples[match["name"]][labels] = float(match["value"])
    return samples


def cache_lookups(server: Server, namespaces: tuple[str, ...] | None = None) -> Counter:
    """Cache lookups so far, all workers, by (tier, result): of the catalogs'
    namespaces, or of `namespaces`."""
    wanted = namespaces or ("countries", "currencies", "cities", "airlines", "airports")
    counts: Counter = Counter()
    for labels, value in scrape(server).get("travelhub_cache_lookups_total", {}).items():
        named = dict(labels)
        if named["namespace"] in wanted:
            counts[named["tier"], named["result"]] += int(value)
    return counts


def check_multiprocess_metrics(server: Server) -> None:
    """The app runs in prometheus_client multiprocess mode: every worker
    writes its metrics to the directory and /metrics adds them up."""
    for _ in range(4):
        request(server.base_url + BARE_PATH)
    files = sorted(path.name for path in server.metrics_dir.glob("*.db"))
    if not files:
        raise BenchError(f"{server.kind}: nothing written to PROMETHEUS_MULTIPROC_DIR {server.metrics_dir}")
    requests_seen = scrape(server).get("travelhub_http_request_duration_seconds_count", {})
    if not any(("route", "bench/bare/") in labels for labels in requests_seen):
        raise BenchError(f"{server.kind}: /metrics does not count the requests of the workers")
    pids = sorted({name.rsplit("_", 1)[-1].removesuffix(".db") for name in files})
    print(f"prometheus multiprocess: {len(files)} files from pids {', '.join(pids)}; /metrics aggregates them")
