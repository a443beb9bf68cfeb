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
from rich.text import Text

from itsm.cli.timezone import local

PRIORITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "green"}
STATUS_STYLE = {
    "open": "cyan",
    "in_progress": "blue",
    "pending": "magenta",
    "resolved": "green",
    "closed": "dim",
}


#: C0 and C1 control characters but newline and tab, each shown as a ``\xNN`` escape: a
#: title or comment must not move the cursor, hide text, retitle the window or write the
#: clipboard of the technician's terminal. CR is dropped, as Rich does: CRLF texts are common.
_VISIBLE: dict[int, str | None] = {
    code: f"\\x{code:02x}"
    for code in (*range(0x00, 0x20), *range(0x7F, 0xA0))
    if chr(code) not in "\n\t\r"
}
_VISIBLE[ord("\r")] = None


def visible(text: str) -> str:
    """``text`` with its control characters made visible (see :data:`_VISIBLE`)."""
    return text.translate(_VISIBLE)


class SafeConsole(Console):
    """A console whose strings show their control characters instead of obeying them.

    Every string a command prints (messages, table cells, panel bodies) is turned into
    text by :meth:`render_str`, so user text cannot slip past by a path that forgot
    :func:`e`. Styles the console adds itself are not in those strings.
    """

    def render_str(self, text: str, **kwargs: Any) -> Text:
        return super().render_str(visible(text), **kwargs)


def print_json(console: Console, data: Any) -> None:
    """Exact JSON on stdout (no wrapping, no markup), for scripts and ``jq``."""
    console.file.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    console.file.flush()


def when(value: datetime | None) -> str:
    return local(value) if value else "-"


def styled(value: str | None, styles: Mapping[str, str]) -> str:
    if value is None:
        return "-"
    style = styles.get(value)
    shown = escape(visible(value))
    return f"[{style}]{shown}[/]" if style else shown


def e(value: object) -> str:
    """Escape user text: '[' in a title is shown, not taken as markup, and control
    characters are shown, not obeyed (panel and table titles skip :class:`SafeConsole`)."""
    return "-" if value is None or value == "" else escape(visible(str(value)))


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
