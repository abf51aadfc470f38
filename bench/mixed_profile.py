"""Where the web workers' time goes on one route of the mix: py-spy samples
of the granian workers while that route alone is loaded (the same Lua
script, the same data, one route of weight 1)."""

from __future__ import annotations

import threading
from pathlib import Path

from bench.mixed_load import data_file, run_mix
from bench.mixed_report import figures
from bench.profiling import print_layers, print_profile, record_stacks


def profile_route(prepared, route: str, seconds: float, connections: int, top: int = 30) -> Path:
    routes = [(route, 1)]
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
    alone = figures(result["mix"].samples, route) if "mix" in result else None
    shown = f"{alone.rps:.0f} req/s, p95 {alone.p95_ms:.1f} ms alone" if alone else "load failed"
    samples = sum(stacks.values())
    print(f"\nprofile of route {route} ({shown}; {len(workers)} workers, {samples} samples, in {out_dir}):")
    print_layers(stacks)
    print_profile(stacks, top)
    return out_dir
