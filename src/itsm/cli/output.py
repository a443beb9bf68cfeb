"""Rendering: Rich panels and tables on a terminal, JSON for ``--json``.

Rich writes no escape codes when stdout is not a terminal or ``NO_COLOR`` is
set, so the same calls give plain text to pipes and files.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

PRIORITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "green"}
STATUS_STYLE = {
    "open": "cyan",
    "in_progress": "blue",
    "pending": "magenta",
    "resolved": "green",
    "closed": "dim",
}


def print_json(console: Console, data: Any) -> None:
    """Exact JSON on stdout (no wrapping, no markup), for scripts and ``jq``."""
    console.file.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    console.file.flush()


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


def styled(value: str | None, styles: Mapping[str, str]) -> str:
    if value is None:
        return "-"
    style = styles.get(value)
    return f"[{style}]{escape(value)}[/]" if style else escape(value)


def e(value: object) -> str:
    """Escape user text so '[' in a title is shown, not taken as markup."""
    return "-" if value is None or value == "" else escape(str(value))


def key_values(title: str, rows: Iterable[tuple[str, object]], *, border: str = "blue") -> Panel:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    for key, value in rows:
        table.add_row(key, value if isinstance(value, str) else e(value))
    return Panel(table, title=title, border_style=border, expand=False)


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[str]]) -> Table:
    out = Table(title=title, header_style="bold", show_lines=False)
    for col in columns:
        out.add_column(col, overflow="fold")
    for row in rows:
        out.add_row(*row)
    return out


def counts_table(title: str, counts: Mapping[str, int], styles: Mapping[str, str]) -> Table:
    total = sum(counts.values())
    out = Table(title=title, header_style="bold")
    out.add_column(title.split()[-1].capitalize())
    out.add_column("Tickets", justify="right")
    out.add_column("Share", justify="right")
    for key, count in counts.items():
        share = f"{100 * count / total:.0f}%" if total else "-"
        out.add_row(styled(key, styles), str(count), share)
    return out
