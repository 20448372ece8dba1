"""Benchmarks of the Partnership Impact Dashboard: a command that prints figures and ratios, not timed tests.

``python -m benchmarks`` generates (or reuses) seeded synthetic stores of three sizes and upload files, measures
ingest, the overview's computation and every page, each against a reference measured in the same run on the same
data, and writes ``benchmarks/RESULTS.md``. See ``benchmarks/run.py``.
"""
