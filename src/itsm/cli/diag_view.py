"""How diagnostics reports look on a terminal."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from rich.console import Group
from rich.panel import Panel
from rich.table import Table

from itsm.cli.output import e, key_values, table
from itsm.cli.timezone import local
from itsm.diagnostics.report import Report

SEVERITY_STYLE = {
    "healthy": "green",
    "unknown": "magenta",
    "warning": "yellow",
    "critical": "bold red",
}
ICON = {"healthy": "✅", "unknown": "❔", "warning": "⚠️ ", "critical": "🔴"}


def _sev(value: str) -> str:
    return f"[{SEVERITY_STYLE.get(value, '')}]{ICON.get(value, '')} {value.upper()}[/]"


def report_view(report: Report, outcome: Mapping[str, Sequence[str]], path: Path | None) -> Group:
    host = report.host
    rows: list[tuple[str, object]] = [
        ("Status", _sev(report.severity)),
        ("Host", e(host.hostname)),
        ("OS", e(" ".join(x for x in (host.os, host.kernel) if x))),
        ("Collected", local(report.collected_at, seconds=True)),
        ("Duration", f"{report.duration_seconds:.2f} s"),
        ("Report", e(str(report.report_id))),
    ]
    if path is not None:
        rows.append(("File", e(str(path))))
    for kind, numbers in outcome.items():
        if numbers:
            rows.append((f"Tickets {kind}", e(", ".join(numbers))))
    border = SEVERITY_STYLE.get(report.severity, "blue").split()[-1]
    head = key_values("System diagnostics", rows, border=border)
    checks: Table = table(
        None,
        ["Check", "Subject", "Severity", "Value", "Threshold", "Message"],
        (
            [
                c.check.value,
                e(c.subject),
                _sev(c.severity),
                "-" if c.value is None else f"{c.value:g} {c.unit}".strip(),
                "-" if c.threshold is None else f"{c.threshold:g} {c.unit}".strip(),
                e(c.message),
            ]
            for c in sorted(
                report.checks, key=lambda c: (-c.severity.rank, c.check.value, c.subject)
            )
        ),
    )
    return Group(head, Panel(checks, title="Checks", expand=False))


def history_table(rows: Sequence[Mapping[str, object]], check: str | None) -> Table:
    columns = ["Id", "Collected", "Host", "Severity", "Problems"]
    if check:
        columns.append(check)
    out = []
    for r in rows:
        line = [
            str(r["id"]),
            str(r["collected_at"])[:19].replace("T", " "),
            e(r["host"]),
            _sev(str(r["severity"])),
            str(r["problems"]),
        ]
        if check:
            values = r.get("check") or {}
            assert isinstance(values, dict)
            line.append(
                ", ".join(
                    f"{subject}={_value(v.get('value'))} ({v.get('severity')})"
                    for subject, v in values.items()
                )
                or "-"
            )
        out.append(line)
    return table("Diagnostics history", columns, out)


def _value(value: object) -> str:
    return "-" if value is None else str(value)
