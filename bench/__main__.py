"""`python -m bench NAME [options]`: run one benchmark.

Each benchmark is a module of this package with `add_arguments(parser)` and
`run(args) -> int`, listed in BENCHMARKS; it prints its figures and ends with
one summary line `NAME: key=value ...`."""

from __future__ import annotations

import argparse
import importlib
import sys

from bench.environment import BenchError
from bench.servers import install_cleanup, stop_all

BENCHMARKS = {
    "catalog": "bench.catalog",
    "queue": "bench.queue",
    "webhooks": "bench.webhooks",
    "lists": "bench.lists",
    "parser": "bench.parser",
    "search": "bench.search",
    "bookings": "bench.bookings",
    "chat": "bench.chat",
    "chat_ws": "bench.chat_ws",
    "mixed": "bench.mixed",
    "drill": "bench.drill",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    names = parser.add_subparsers(dest="name", required=True, metavar="NAME")
    for name, module_name in BENCHMARKS.items():
        module = importlib.import_module(module_name)
        sub = names.add_parser(name, help=(module.__doc__ or name).strip().splitlines()[0], description=module.__doc__)
        sub.formatter_class = argparse.RawDescriptionHelpFormatter
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    args = parser.parse_args(argv)
    install_cleanup()
    try:
        return args.run(args)
    except BenchError as error:
        print(f"{args.name}: FAILED: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{args.name}: interrupted", file=sys.stderr)
        return 130
    finally:
        stop_all()


if __name__ == "__main__":
    sys.exit(main())
