"""Where the web workers' time goes on one route of the mix: py-spy samples
of the granian workers while that route alone is loaded (the same Lua
script, the same data, one route of weight 1), or the whole mix."""

from __future__ import annotations

import threading
from pathlib import Path

from bench.mixed_load import data_file, run_mix
from bench.mixed_report import figures
from bench.profiling import print_layers, print_profile, record_stacks


def profile_route(prepared, route: str, seconds: float, connections: int, top: int = 30) -> Path:
    return profile_load(prepared, [(route, 1)], seconds, connections, top, label=f"route {route}")


def profile_load(prepared, routes, seconds: float, connections: int, top: int = 30, label: str = "the mix") -> Path:
    path = data_file(prepared.run, routes=routes, threads=connections, sales_pages=prepared.sales_pages)
    result: dict = {}
    loader = threading.Thread(
        target=lambda: result.update(
            mix=run_mix(prepared.base_url, path, routes, duration=seconds + 2, threads=connections, phase=2)
        ),
        daemon=True,
    )
    loader.start()
    workers = prepared.topology.web.worker_pids()
    stacks, out_dir = record_stacks(workers, seconds)
    loader.join(timeout=seconds + 60)
    loaded = figures(result["mix"].samples, routes[0][0] if len(routes) == 1 else None) if "mix" in result else None
    shown = f"{loaded.rps:.0f} req/s, p95 {loaded.p95_ms:.1f} ms" if loaded else "load failed"
    samples = sum(stacks.values())
    print(f"\nprofile of {label} ({shown}; {len(workers)} workers, {samples} samples, in {out_dir}):")
    print_layers(stacks)
    print_profile(stacks, top)
    return out_dir
