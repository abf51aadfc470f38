"""Load generation with wrk (a separate process, on loopback) and the
statistics the benchmarks report."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from bench.cpu import CpuWatch
from bench.environment import BenchError

WRK_SCRIPT = Path(__file__).with_name("wrk_report.lua")
WRK_INSTALL_HINT = "wrk is not installed. On Debian/Ubuntu: apt-get update && apt-get install -y wrk"
MAX_DURATION_SECONDS = 120
MAX_CONNECTIONS = 1024


@dataclass(frozen=True)
class LoadSettings:
    duration: float = 10.0
    warmup: float = 2.0
    connections: int = 32
    threads: int = 1
    timeout: float = 5.0
    rounds: int = 1


@dataclass(frozen=True)
class LoadResult:
    url: str
    requests: int
    duration_s: float
    bytes: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: dict[str, int]
    # Shares of the machine's CPU during the run (bench.cpu); None when not watched.
    cpu: dict[str, float] | None = None
    p95_ms: float = 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def bytes_per_request(self) -> float:
        return self.bytes / self.requests if self.requests else 0.0


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise BenchError(WRK_INSTALL_HINT)
    return path


def run_wrk(
    url: str,
    *,
    duration: float,
    connections: int,
    threads: int = 1,
    timeout: float = 5.0,
    headers: Sequence[str] = (),
    paths: Sequence[str] = (),
) -> LoadResult:
    """Load `url` with `connections` keep-alive connections for `duration`
    seconds; with `paths`, each request asks for the next of them (on `url`'s
    host), in turn."""
    if not url.startswith(("http://127.0.0.1:", "http://localhost:", "http://[::1]:")):
        raise BenchError(f"refusing to load {url}: benchmarks only load loopback addresses")
    if not 0 < duration <= MAX_DURATION_SECONDS or not 0 < connections <= MAX_CONNECTIONS:
        raise BenchError(f"duration must be in (0, {MAX_DURATION_SECONDS}] s and connections in (0, {MAX_CONNECTIONS}]")
    command = [
        require_wrk(),
        f"--threads={max(1, min(threads, connections))}",
        f"--connections={connections}",
        f"--duration={duration:g}s",
        f"--timeout={timeout:g}s",
        f"--script={_script(paths)}",
    ]
    for header in headers:
        command.append(f"--header={header}")
    command.append(url)
    result, _ = run_wrk_command(command, url, duration)
    return result


def run_wrk_command(command: list[str], url: str, duration: float) -> tuple[LoadResult, list[str]]:
    """Run a wrk command line whose script reports with WRK_JSON; the result
    and every line wrk printed (a script may report more)."""
    try:
        finished = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60, check=False)
    except subprocess.TimeoutExpired as error:
        raise BenchError(f"wrk did not finish loading {url}") from error
    lines = finished.stdout.splitlines()
    line = next((ln for ln in lines if ln.startswith("WRK_JSON ")), None)
    if finished.returncode != 0 or line is None:
        raise BenchError(f"wrk failed on {url} ({finished.returncode}):\n{finished.stdout}{finished.stderr}")
    data = json.loads(line.removeprefix("WRK_JSON "))
    result = LoadResult(
        url=url,
        requests=data["requests"],
        duration_s=data["duration_us"] / 1e6,
        bytes=data["bytes"],
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        errors={
            name: data[name]
            for name in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts")
            if data[name]
        },
    )
    return result, lines


def _script(paths: Sequence[str]) -> Path:
    if not paths:
        return WRK_SCRIPT
    rotation = (
        "local paths = {" + ",".join(json.dumps(path) for path in paths) + "}\n"
        "local counter = 0\n"
        "request = function()\n"
        "  counter = counter % #paths + 1\n"
        "  return wrk.format(nil, paths[counter])\n"
        "end\n"
    )
    script = Path(tempfile.mkstemp(prefix="wrk-paths-", suffix=".lua")[1])
    script.write_text(rotation + WRK_SCRIPT.read_text())
    return script


def measure(url: str, load: LoadSettings, headers: Sequence[str] = (), watch_pids: Sequence[int] = ()) -> LoadResult:
    """A warm-up run whose figures are thrown away, then the measured run."""
    return median_round(measure_rounds({"case": url}, load, headers, watch_pids)["case"])


def measure_rounds(
    urls: Mapping[str, str],
    load: LoadSettings,
    headers: Sequence[str] = (),
    watch_pids: Sequence[int] = (),
) -> dict[str, list[LoadResult]]:
    """Warm each URL up, then load them in turn, `load.rounds` times over: cases
    compared with each other see the same background load on the machine."""
    for url in urls.values():
        if load.warmup > 0:
            run_wrk(url, duration=load.warmup, connections=load.connections, threads=load.threads, headers=headers)
    results: dict[str, list[LoadResult]] = {label: [] for label in urls}
    for _ in range(load.rounds):
        for label, url in urls.items():
            watch = CpuWatch(list(watch_pids))
            result = run_wrk(
                url,
                duration=load.duration,
                connections=load.connections,
                threads=load.threads,
                timeout=load.timeout,
                headers=headers,
            )
            results[label].append(replace(result, cpu=watch.stop()))
    return results


def median_round(rounds: Sequence[LoadResult]) -> LoadResult:
    """The round with the median throughput, errors of every round included."""
    chosen = sorted(rounds, key=lambda result: result.rps)[len(rounds) // 2]
    errors: dict[str, int] = {}
    for result in rounds:
        for name, count in result.errors.items():
            errors[name] = errors.get(name, 0) + count
    return replace(chosen, errors=errors)


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100) of `values`, interpolated between ranks."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def add_load_arguments(
    parser, *, duration: float = 10.0, warmup: float = 2.0, connections: int = 32, rounds: int = 3
) -> None:
    group = parser.add_argument_group("load (wrk, loopback)")
    group.add_argument("--duration", type=float, default=duration, help=f"seconds measured per case ({duration:g})")
    group.add_argument("--warmup", type=float, default=warmup, help=f"seconds of unmeasured load first ({warmup:g})")
    group.add_argument("--connections", type=int, default=connections, help=f"concurrent connections ({connections})")
    group.add_argument("--threads", type=int, default=1, help="wrk threads (1: leaves the cores to the server)")
    group.add_argument(
        "--rounds", type=int, default=rounds, help=f"times each case is measured, median kept ({rounds})"
    )


def load_settings(args) -> LoadSettings:
    if args.rounds < 1:
        raise BenchError("--rounds must be at least 1")
    return LoadSettings(
        duration=args.duration,
        warmup=args.warmup,
        connections=args.connections,
        threads=args.threads,
        rounds=args.rounds,
    )
