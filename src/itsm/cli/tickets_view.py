"""How tickets look on a terminal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table

from itsm.attachments.schemas import AttachmentRead
from itsm.cli.output import (
    PRIORITY_STYLE,
    STATUS_STYLE,
    counts_table,
    e,
    key_values,
    styled,
    table,
    when,
)
from itsm.cli.timezone import local_clock
from itsm.sla.due import DueState, due_state
from itsm.tickets.schemas import CommentRead, EventRead, TicketRead, TicketStats

DUE_SOON = timedelta(minutes=60)  # the default of sla.due_soon_minutes


def created_panel(ticket: TicketRead) -> Panel:
    rows = [
        ("✅", "[bold green]Ticket Created Successfully![/]"),
        ("🎫 Ticket Number:", f"[bold]{ticket.number}[/]"),
        ("📝 Title:", e(ticket.title)),
        ("📂 Category:", e(ticket.category)),
        ("⚡ Priority:", styled(ticket.priority, PRIORITY_STYLE)),
        ("👤 Requester:", e(ticket.requester)),
    ]
    if ticket.assignee:
        rows.append(("🔧 Assignee:", e(ticket.assignee)))
    return key_values("New Ticket", rows, border="green")


def queue_table(
    tickets: Sequence[TicketRead],
    title: str = "Tickets",
    *,
    due_soon: timedelta = DUE_SOON,
    now: datetime | None = None,
) -> Table:
    now = now or datetime.now(UTC)
    return table(
        title,
        [
            "Number",
            "Title",
            "Category",
            "Priority",
            "Status",
            "Requester",
            "Assignee",
            "Created",
            "Due",
        ],
        (
            [
                t.number,
                e(t.title),
                t.category,
                styled(t.priority, PRIORITY_STYLE),
                styled(t.status, STATUS_STYLE),
                e(t.requester),
                e(t.assignee),
                when(t.created_at),
                due_text(t, now=now, due_soon=due_soon),
            ]
            for t in tickets
        ),
    )


def due_text(ticket: TicketRead, *, now: datetime, due_soon: timedelta) -> str:
    """The running clock's due time, relative and coloured: ``BREACHED 2h 5m`` (red, that
    long ago), ``in 25m`` (yellow: within ``due_soon``), ``in 3h`` (green); then local time."""
    if ticket.due_at is None:
        return "paused" if ticket.sla_paused_at is not None else "-"
    left = ticket.due_at - now
    at = local_clock(ticket.due_at, now=now)
    state = due_state(ticket.due_at, now=now, due_soon=due_soon)
    if state is DueState.BREACHED:
        return f"[bold red]BREACHED[/] {_span(-left)} · {at}"
    colour = "yellow" if state is DueState.SOON else "green"
    return f"[{colour}]in {_span(left)}[/] · {at}"


def _span(length: timedelta) -> str:
    """``25m``, ``3h 10m``, ``2d 4h``: two units at most, rounded down."""
    minutes = int(length.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {mins}m" if mins else f"{hours}h"
    return f"{mins}m"


def _met(done: datetime | None, due: datetime | None, breached: bool) -> str:
    """``done`` time against its due time: on time, late, or still due."""
    if due is None:
        return when(done)
    if done is not None:
        late = done > due
        return f"{when(done)} ({'[red]late[/]' if late else '[green]on time[/]'}, due {when(due)})"
    return f"due {when(due)}" + (" [bold red]BREACHED[/]" if breached else "")


def _clock(ticket: TicketRead) -> str:
    if ticket.status in ("resolved", "closed"):
        return f"stopped ({ticket.status})"
    if ticket.first_response_due_at is None and ticket.resolution_due_at is None:
        return "no SLA"
    return f"paused ({ticket.status})" if ticket.sla_paused_at else "running"


def detail(
    ticket: TicketRead,
    comments: Sequence[CommentRead],
    events: Sequence[EventRead],
    links: Sequence[tuple[str, str | None]] = (),
    files: Sequence[AttachmentRead] = (),
    watchers: Sequence[str] = (),
) -> Group:
    from itsm.tickets.visibility import HIDDEN_TICKET

    head = key_values(
        f"{ticket.number} (#{ticket.id})",
        [
            ("Title", e(ticket.title)),
            ("Status", styled(ticket.status, STATUS_STYLE)),
            ("Priority", styled(ticket.priority, PRIORITY_STYLE)),
            ("Category", e(ticket.category)),
            ("Source", e(ticket.source)),
            ("Requester", e(ticket.requester)),
            ("Assignee", e(ticket.assignee)),
            ("Watchers", e(", ".join(watchers))),
            ("Asset", e(ticket.asset or ticket.asset_id)),
            ("Created", when(ticket.created_at)),
            ("Updated", when(ticket.updated_at)),
            (
                "First response",
                _met(
                    ticket.first_response_at,
                    ticket.first_response_due_at,
                    ticket.first_response_breached,
                ),
            ),
            (
                "Resolution",
                _met(ticket.resolved_at, ticket.resolution_due_at, ticket.resolution_breached),
            ),
            ("SLA clock", _clock(ticket)),
            ("Closed", when(ticket.closed_at)),
            ("Resolution note", e(ticket.resolution_note)),
            (
                "Rating",
                f"{ticket.satisfaction_rating}/5 {e(ticket.satisfaction_comment or '')}"
                if ticket.satisfaction_rating
                else "-",
            ),
            (
                "Links",
                e(", ".join(f"{k} {n or HIDDEN_TICKET}" for k, n in links)) if links else "-",
            ),
        ],
    )
    parts: list[Panel | Table] = [head]
    if ticket.description:
        parts.append(Panel(e(ticket.description), title="Description", expand=False))
    for c in comments:
        label = "internal note" if c.is_internal else "comment"
        spent = f" · {c.time_spent_minutes} min" if c.time_spent_minutes else ""
        who = e(c.author) if c.author else "system"
        origin = e(f"[from {c.copied_from}] ") if c.copied_from else ""
        parts.append(
            Panel(
                origin + e(c.body),
                title=f"{who} · {when(c.created_at)} · {label}{spent}",
                border_style="yellow" if c.is_internal else "white",
                expand=False,
            )
        )
    if files:
        parts.append(files_table(files))
    if events:
        parts.append(history_table(events))
    return Group(*parts)


def files_table(files: Sequence[AttachmentRead]) -> Table:
    """A ticket's files: name, size, detected type and whether only staff see it."""
    return table(
        "Files",
        ["Id", "File", "Size", "Type", "Internal"],
        [
            [
                str(f.id),
                e(f.filename),
                size_text(f.size_bytes),
                e(f.media_type),
                "internal" if f.is_internal else "",
            ]
            for f in files
        ],
    )


def size_text(size: int) -> str:
    """A file size a person reads: bytes below 1 KB, then KB and MB (of 1024)."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def history_table(events: Sequence[EventRead]) -> Table:
    return table(
        "History",
        ["When", "Who", "What", "Field", "From", "To"],
        (
            [
                when(ev.created_at),
                e(ev.actor or "system"),
                ev.kind,
                e(ev.field),
                e(ev.old_value),
                e(ev.new_value),
            ]
            for ev in events
        ),
    )


def stats_view(console: Console, stats: TicketStats) -> None:
    console.print(
        key_values(
            "Ticket statistics",
            [
                ("Total", str(stats.total)),
                ("Active", str(stats.active)),
                ("Unassigned active", str(stats.unassigned_active)),
            ],
        )
    )
    console.print(counts_table("By status", stats.by_status, STATUS_STYLE))
    console.print(counts_table("By priority", stats.by_priority, PRIORITY_STYLE))
    console.print(counts_table("By category", stats.by_category, {}))
