"""Where a worker's time goes: py-spy samples of the server's workers while
wrk loads one URL, folded into inclusive and self shares per frame."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from bench.environment import BenchError
from bench.load import LoadSettings, run_wrk
from bench.servers import Server

PY_SPY_HINT = "py-spy is not installed: pip install py-spy (into the project's virtualenv)"


def profile_under_load(
    server: Server, url: str, seconds: float, load: LoadSettings, headers: Sequence[str] = (), top: int = 30
) -> Path:
    workers = server.worker_pids()
    loader = threading.Thread(
        target=run_wrk,
        args=(url,),
        kwargs={"duration": seconds + 2, "connections": load.connections, "threads": load.threads, "headers": headers},
        daemon=True,
    )
    loader.start()
    stacks, out_dir = record_stacks(workers, seconds)
    loader.join(timeout=seconds + 60)
    print(f"\nprofile of {url} ({len(workers)} workers, {sum(stacks.values())} samples, raw stacks in {out_dir}):")
    print_layers(stacks)
    print_profile(stacks, top)
    return out_dir


def record_stacks(pids: Sequence[int], seconds: float) -> tuple[Counter, Path]:
    """py-spy samples of the processes for `seconds` (run meanwhile whatever
    loads them): the stacks folded together, and the directory of raw ones."""
    # The virtualenv's, also when the bench was started without activating it.
    py_spy = shutil.which("py-spy", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    if py_spy is None:
        raise BenchError(PY_SPY_HINT)
    out_dir = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    record = [py_spy, "record", "--duration", str(int(seconds)), "--rate", "250", "--nonblocking", "--format", "raw"]
    recorders = [
        subprocess.Popen(
            [*record, "--pid", str(pid), "--output", str(out_dir / f"{pid}.txt")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for pid in pids
    ]
    for recorder in recorders:
        _, error = recorder.communicate(timeout=seconds + 60)
        if recorder.returncode != 0:
            raise BenchError(f"py-spy failed: {error[-1000:]}")
    stacks: Counter = Counter()
    for path in out_dir.glob("*.txt"):
        stacks.update(read_collapsed(path))
    return stacks, out_dir


# (layer, test on one frame "function (file:line)"): a sample belongs to the
# deepest layer found along its stack, so each layer's share excludes what
# it calls in the layers below it (a middleware's share excludes the view).
LAYERS = [
    ("WSGI server (Python side)", lambda frame: "granian/" in frame or "gunicorn/" in frame),
    ("Django handler: request, headers", lambda frame: "WSGIHandler.__call__" in frame),
    ("middleware (own time)", lambda frame: "iddleware" in frame or "deprecation.py" in frame),
    ("URL resolving", lambda frame: "resolve_request" in frame),
    ("view", lambda frame: "_get_response (django/core/handlers/base.py:197)" in frame),
    ("response.close: request_finished", lambda frame: "HttpResponseBase.close" in frame),
]


def print_layers(stacks: Counter) -> None:
    total = sum(stacks.values()) or 1
    shares: Counter = Counter()
    for stack, count in stacks.items():
        layer = "no Python frame (native runtime, idle)" if not stack.strip() else "other threads"
        for frame in stack.split(";"):
            for name, test in LAYERS:
                if test(frame):
                    layer = name
            if layer.startswith("response.close"):
                break
        if layer == "WSGI server (Python side)" and "wsgi.py:62" in stack.rsplit(";", 1)[-1]:
            layer = "WSGI server: writing the body (granian response_iter)"
        shares[layer] += count
    print("  share  layer (deepest along the stack)")
    for layer, count in shares.most_common():
        print(f"  {100 * count / total:5.1f}%  {layer}")


def read_collapsed(path: Path) -> Counter:
    stacks: Counter = Counter()
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks[stack] += int(count)
    return stacks


def print_profile(stacks: Counter, top: int) -> None:
    total = sum(stacks.values()) or 1
    inclusive: Counter = Counter()
    own: Counter = Counter()
    for stack, count in stacks.items():
        frames = stack.split(";")
        for frame in set(frames):
            inclusive[frame] += count
        own[frames[-1]] += count
    print("  inclusive  self  frame")
    for frame, count in inclusive.most_common(top):
        print(f"  {100 * count / total:8.1f}% {100 * own[frame] / total:5.1f}%  {frame}")
    print("  top self time:")
    for frame, count in own.most_common(top // 2):
        print(f"  {100 * count / total:8.1f}%  {frame}")
