"""Reproducible benchmarks of itsm. They are not tests.

Each target (``benchmarks._core``) is absolute or a ratio to a baseline doing the
same work, measured in the same run; a baseline doing less work is printed for
information, with no target against it. Targets are printed as PASS or MISS; a
missed target never fails the run.

Run ``python -m benchmarks`` (``--smoke`` for small sizes, ``--only NAME``).
The latest verdicts, dated, are in ``docs/performance.md``.
"""
