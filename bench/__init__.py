"""Load benchmarks of TravelHub run against the production server stack.

Run one with `python -m bench NAME` (see `python -m bench --help`); results
and how to reproduce them are kept in BENCHMARKS.md at the repository root.
"""
