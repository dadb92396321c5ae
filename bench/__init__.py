"""Benchmarks run with ``make bench`` (``python -m bench [keys|spend|all]``); not timed tests."""
