"""Reproducible benchmarks of itsm. They are not tests.

Every benchmark measures a raw baseline in the same run (a bare interpreter, a
raw DBAPI insert, ...) and reports itsm's figure as a ratio against it, so the
numbers say how much itsm itself costs on the machine at hand. Targets are
printed as PASS or MISS; a missed target never fails the run.

Run ``python -m benchmarks`` (``--smoke`` for small sizes, ``--only NAME``).
The figures of a full run go into ``docs/performance.md``.
"""
