"""Where the web workers' time goes on one route of the mix: py-spy samples
of the granian workers while that route alone is loaded (the same Lua
script, the same data, one route of weight 1)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
from collections import Counter
from pathlib import Path

from bench.environment import BenchError
from bench.mixed_load import data_file, run_mix
from bench.mixed_report import figures
from bench.profiling import PY_SPY_HINT, print_layers, print_profile, read_collapsed


def profile_route(prepared, route: str, seconds: float, connections: int, top: int = 30) -> Path:
    py_spy = shutil.which("py-spy")
    if py_spy is None:
        raise BenchError(PY_SPY_HINT)
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
    out_dir = Path(tempfile.mkdtemp(prefix="bench-mixed-profile-"))
    workers = prepared.topology.web.worker_pids()
    record = [py_spy, "record", "--duration", str(int(seconds)), "--rate", "250", "--nonblocking", "--format", "raw"]
    recorders = [
        subprocess.Popen(
            [*record, "--pid", str(pid), "--output", str(out_dir / f"{pid}.txt")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for pid in workers
    ]
    for recorder in recorders:
        _, error = recorder.communicate(timeout=seconds + 60)
        if recorder.returncode != 0:
            raise BenchError(f"py-spy failed: {error[-1000:]}")
    loader.join(timeout=seconds + 60)
    stacks: Counter = Counter()
    for collapsed in out_dir.glob("*.txt"):
        stacks.update(read_collapsed(collapsed))
    alone = figures(result["mix"].samples, route) if "mix" in result else None
    shown = f"{alone.rps:.0f} req/s, p95 {alone.p95_ms:.1f} ms alone" if alone else "load failed"
    samples = sum(stacks.values())
    print(f"\nprofile of route {route} ({shown}; {len(workers)} workers, {samples} samples, in {out_dir}):")
    print_layers(stacks)
    print_profile(stacks, top)
    return out_dir
