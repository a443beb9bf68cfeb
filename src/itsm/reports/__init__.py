"""Reports: service metrics over a period ``[start, end)``, computed by SQL aggregates.

A read-only projection of the tickets tables: no ticket row is loaded into Python.
Entry point :func:`itsm.reports.service.service_report`; what each figure means is
in docs/cli.md ("Reports").
"""
