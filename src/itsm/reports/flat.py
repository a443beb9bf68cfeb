"""The report as flat ``(section, key, metric, value)`` rows, for CSV and spreadsheets.

``key`` names the row within a section (a status, a category, a priority, a
technician's username, ``first_response`` / ``resolution`` for SLA) and is
empty for single-row sections. ``value`` is ``None`` where the report has no
figure (written as an empty CSV field).
"""

from __future__ import annotations

from pydantic import BaseModel

from itsm.reports.schemas import ServiceReport

HEADER = ("section", "key", "metric", "value")
UNASSIGNED = "(unassigned)"

Value = int | float | str | None
Row = tuple[str, str, str, Value]


def _fields(
    section: str, key: str, model: BaseModel, skip: frozenset[str] = frozenset()
) -> list[Row]:
    return [
        (section, key, name, value)
        for name, value in model.model_dump(mode="json").items()
        if name not in skip
    ]


def rows(report: ServiceReport) -> list[Row]:
    bounds = report.model_dump(mode="json", include={"start", "end"})
    out: list[Row] = [
        ("period", "", "start", bounds["start"]),
        ("period", "", "end", bounds["end"]),
        ("summary", "", "opened", report.opened),
        ("summary", "", "closed", report.closed),
        ("summary", "", "resolved", report.resolved),
    ]
    out += [("opened_by_status", s, "opened", n) for s, n in report.opened_by_status.items()]
    out += _fields("backlog", "", report.backlog)
    out += _fields("time_to_acknowledge", "", report.time_to_acknowledge)
    out += _fields("time_to_resolve", "", report.time_to_resolve)
    out += _fields("sla", "first_response", report.first_response_sla)
    out += _fields("sla", "resolution", report.resolution_sla)
    out += _fields("satisfaction", "", report.satisfaction)
    for tech in report.technicians:
        name = tech.username or UNASSIGNED
        out += _fields("technician", name, tech, frozenset({"user_id", "username"}))
    for section, breakdown in (("category", report.categories), ("priority", report.priorities)):
        for row in breakdown:
            out += _fields(section, row.key, row, frozenset({"key"}))
    return out
