"""The mixed load: the routes and their weights (the issue's mix), the data
file bench/mixed.lua reads, and one wrk run of it with wrk's own CPU time."""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.environment import REPO_ROOT, BenchError
from bench.load import require_wrk
from bench.mixed_report import Samples, parse_wrk_output

MIX_SCRIPT = Path(__file__).with_name("mixed.lua")
TICKET_CORPUS = REPO_ROOT / "core" / "tests" / "ticket_parser" / "corpus"
CHAT_ROUTES = ("inbox", "timeline", "send")
# (route, weight %): the mix.
ROUTES = [
    ("catalog", 25),
    ("search", 20),  # half with dates
    ("detail", 10),
    ("availability", 10),
    ("inbox", 8),
    ("timeline", 7),
    ("send", 5),
    ("book", 3),  # half on contended nights
    ("pay", 2),
    ("sales", 5),
    ("ticket", 1),
    ("webhooks", 4),
]
# (path, a field the answer must hold): public catalog reads (an empty list fails).
CATALOG_PATHS = [
    ("/api/paises/", '"phone_prefix"'),
    ("/api/monedas/", '"symbol"'),
    ("/api/ciudades/?search=lim", '"name"'),
    ("/api/ciudades/?country=PE", '"name"'),
    ("/api/aeropuertos/?search=lim", '"name"'),
    ("/api/aerolineas/", '"name"'),
    ("/api/amenities/", '"name"'),
]


def mix_routes(with_chat: bool) -> list[tuple[str, int]]:
    return [(name, weight) for name, weight in ROUTES if with_chat or name not in CHAT_ROUTES]


_LUA_ESCAPES = {"\\": "\\\\", '"': '\\"'}


def lua(value) -> str:
    """A Python value (dict, list, str, number, bool) as a Lua expression."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{lua(key)}] = {lua(item)}" for key, item in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "{" + ", ".join(lua(item) for item in value) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + "".join(_LUA_ESCAPES.get(ch, ch) if ch >= " " else f"\\{ord(ch):03d}" for ch in value) + '"'
    raise TypeError(f"no Lua form for {type(value).__name__}")


def ticket_bodies(limit: int = 8) -> list[str]:
    texts = sorted(TICKET_CORPUS.glob("*.txt"))[:limit]
    if not texts:
        raise BenchError(f"no e-ticket texts in {TICKET_CORPUS}")
    return [json.dumps({"text": path.read_text(encoding="utf-8")}) for path in texts]


def data_file(run: dict, *, routes: list[tuple[str, int]], threads: int, sales_pages: int) -> Path:
    """Write the Lua data file of a run (bench.mixed_data prepare's output)."""
    today = datetime.date.fromisoformat(run["today"])
    night = datetime.date.fromisoformat(run["night"])
    chat = run.get("conversations") or {}
    data = {
        "seed": int(time.time()) % 100_000,
        "threads": threads,
        "routes": [list(route) for route in routes],
        "tokens": run["tokens"],
        "catalog_paths": [list(item) for item in CATALOG_PATHS],
        "cities": run["cities"],
        "first_listing": run["first_listing"],
        "last_listing": run["last_listing"],
        # Searches with dates: stays of 2-5 nights within the next four months.
        "date_pairs": [
            [str(today + datetime.timedelta(days=start)), str(today + datetime.timedelta(days=start + length))]
            for start in range(1, 120, 3)
            for length in (2, 3, 5)
        ],
        "months": [
            f"{(today.year * 12 + today.month - 1 + n) // 12}-{(today.month - 1 + n) % 12 + 1:02d}" for n in range(4)
        ],
        # Three nights: every seeded listing takes a stay of three (min_nights is 1 to 3).
        "night": str(night),
        "night_out": str(night + datetime.timedelta(days=3)),
        "listings": run["listings"],
        "contended": run["contended"],
        "pay_pool": run["pay_pool"],
        "sales_pages": sales_pages,
        "ticket_texts": ticket_bodies(),
        "inbox_path": "/api/conversations/",
        "timeline_path": "/api/conversations/%d/messages/",
        "send_body": '{"body": "%s", "client_id": "%s"}',
        "chat_users": chat.get("users") or [[0, ""]],
        "chat_conversations": chat.get("conversations") or [[0, ""]],
        "send_conversations": chat.get("send") or [[0, ""]],
    }
    path = Path(tempfile.mkstemp(prefix="bench-mixed-", suffix=".lua")[1])
    path.write_text("return " + lua(data) + "\n", encoding="utf-8")
    return path


@dataclass
class MixRun:
    samples: Samples
    # wrk's own CPU seconds (user + system), from its rusage.
    cpu_seconds: float
    wall_seconds: float
    started_ms: float


def run_mix(
    base_url: str,
    data_path: Path,
    routes: list[tuple[str, int]],
    *,
    duration: float,
    threads: int,
    phase: int,
    rate: float | None = None,
    timeout: float = 10.0,
) -> MixRun:
    """One wrk run of the mix: `threads` threads of one connection each; at
    `rate` requests a second in all (paced in the script), or as fast as it goes.
    `phase` (0 warm-up, 1 measured...) keeps each run's booking creates and
    payments off the nights and bookings an earlier run of the same data used."""
    if not base_url.startswith("http://127.0.0.1:"):
        raise BenchError(f"refusing to load {base_url}: benchmarks only load loopback addresses")
    command = [
        require_wrk(),
        f"--threads={threads}",
        f"--connections={threads}",
        f"--duration={duration:g}s",
        f"--timeout={timeout:g}s",
        f"--script={MIX_SCRIPT}",
        base_url,
        "--",
        str(data_path),
        str(phase),
        str(samples_dir := Path(tempfile.mkdtemp(prefix="bench-mixed-samples-"))),
    ]
    env = dict(os.environ)
    if rate:
        env["MIXED_RATE"] = f"{rate:g}"
    output = Path(tempfile.mkstemp(prefix="bench-mixed-wrk-", suffix=".out")[1])
    started_ms = time.monotonic() * 1000
    with output.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        # wait4: the CPU time of wrk itself, not of every child the bench ever waited for.
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() * 1000 - started_ms
    text = output.read_text(errors="replace")
    output.unlink()
    if process.returncode != 0 or "MIXED_WRK" not in text:
        raise BenchError(f"wrk failed ({process.returncode}):\n{text[-3000:]}")
    sample_lines = [line for path in sorted(samples_dir.iterdir()) for line in path.read_text().splitlines()]
    shutil.rmtree(samples_dir, ignore_errors=True)
    samples = parse_wrk_output(text.splitlines(), sample_lines, [name for name, _ in routes])
    return MixRun(samples, usage.ru_utime + usage.ru_stime, wall / 1000, started_ms)
