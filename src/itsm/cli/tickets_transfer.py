"""``itsm ticket import`` and ``itsm ticket export``: tickets in and out as CSV or JSON Lines.

Registered on the ``ticket`` group by :mod:`itsm.cli.tickets`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from itsm.cli.common import JsonOption, app_context, choice_or_none
from itsm.cli.ticket_filters import (
    ActiveOpt,
    AssigneeOpt,
    CategoryOpt,
    PriorityOpt,
    RequesterOpt,
    SlaOpt,
    SourceOpt,
    StatusOpt,
    TextOpt,
    UnassignedOpt,
    ticket_filters,
)

if TYPE_CHECKING:
    from itsm.cli.context import AppContext

SHOWN_PROBLEMS = 20


def import_(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help="CSV or JSON Lines file (columns: docs/cli.md).")],
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="csv or jsonl (default: from the file's extension)."),
    ] = None,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Import the valid rows; list the others.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Import tickets: every row is checked first; any invalid row stops it all."""
    from pathlib import Path

    from itsm.errors import N_
    from itsm.tickets import access, transfer

    app_ctx = app_context(ctx)
    path = Path(file)
    kind = transfer.format_of(path, choice_or_none(transfer.Format, fmt, name="format"))
    try:
        with app_ctx.session() as session:
            actor = app_ctx.actor(session)
            access.require_staff(actor, N_("import tickets"))
            result = transfer.import_tickets(
                session,
                path=path,
                fmt=kind,
                actor=actor,
                zone=app_ctx.settings.zone,
                sla=app_ctx.settings.sla,
                skip_invalid=skip_invalid,
            )
    except transfer.ImportRejected as exc:
        lines = [f"line {p.line}: {p.reason}" for p in exc.problems]
        _print_problems(app_ctx, lines, exc.invalid, err=True)
        raise exc.fill(skip_invalid="--skip-invalid") from None
    skipped = [{"line": p.line, "reason": p.reason} for p in result.problems]
    if as_json:
        from itsm.cli.output import print_json

        print_json(
            app_ctx.console,
            {
                "imported": result.imported,
                "already_present": result.present,
                "skipped": result.skipped,
                "first_number": result.first_number,
                "last_number": result.last_number,
                "skipped_rows": skipped,
            },
        )
        return
    out = app_ctx.console
    span = ""
    if result.imported:
        span = f" (first {result.first_number}, last {result.last_number})"
        span = f" ({result.first_number})" if result.imported == 1 else span
    from itsm.wording import count

    present = ""
    if result.present:
        were = "was" if result.present == 1 else "were"
        present = f"; {count(result.present, 'row')} {were} already present (same external_id)"
    out.print(f"Imported {count(result.imported, 'ticket')}{span}{present}.", markup=False)
    if result.skipped:
        out.print(f"Skipped {count(result.skipped, 'invalid row')}:", markup=False)
        lines = [f"line {p.line}: {p.reason}" for p in result.problems]
        _print_problems(app_ctx, lines, result.skipped, err=False)


def _print_problems(app_ctx: AppContext, lines: list[str], total: int, *, err: bool) -> None:
    console = app_ctx.err if err else app_ctx.console
    for line in lines[:SHOWN_PROBLEMS]:
        console.print(line, markup=False, soft_wrap=True)
    if total > SHOWN_PROBLEMS:
        console.print(f"({total - SHOWN_PROBLEMS} more not shown)", markup=False)


def export(
    ctx: typer.Context,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", help="csv or jsonl (default: from --output's extension, else csv)."
        ),
    ] = None,
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
    status: StatusOpt = None,
    priority: PriorityOpt = None,
    category: CategoryOpt = None,
    source: SourceOpt = None,
    assignee: AssigneeOpt = None,
    requester: RequesterOpt = None,
    unassigned: UnassignedOpt = False,
    active: ActiveOpt = False,
    text: TextOpt = None,
    sla: SlaOpt = None,
    raw: Annotated[
        bool,
        typer.Option(
            "--raw", help="Write CSV cells starting with = + - @ as they are (no ' guard)."
        ),
    ] = False,
    excel: Annotated[
        bool,
        typer.Option("--excel", help="Start the CSV with a UTF-8 BOM, so Excel reads accents."),
    ] = False,
) -> None:
    """Export tickets (the filters of 'list') to CSV or JSON Lines, streamed."""
    import os
    import sys
    from pathlib import Path

    from itsm.cli.files import written
    from itsm.errors import N_, InvalidInput
    from itsm.tickets import access, transfer
    from itsm.wording import count

    app_ctx = app_context(ctx)
    with app_ctx.session(write=False) as session:  # refused before a file is touched
        access.require_staff(app_ctx.actor(session), N_("export tickets"))
    filters = ticket_filters(
        status,
        priority,
        category,
        assignee,
        requester,
        unassigned,
        active,
        text,
        sla,
        due_soon_minutes=app_ctx.settings.sla.due_soon_minutes,
        source=source,
    )
    target = Path(output) if output else None
    kind = transfer.export_format(target, choice_or_none(transfer.Format, fmt, name="format"))
    if excel and kind is not transfer.Format.CSV:
        raise InvalidInput("--excel is for CSV exports")
    if target is None:
        try:
            with app_ctx.session(write=False) as session:
                if excel:
                    sys.stdout.write("\ufeff")
                transfer.export_tickets(session, filters=filters, fmt=kind, out=sys.stdout, raw=raw)
            sys.stdout.flush()
        except BrokenPipeError:  # `itsm ticket export | head`: the reader has had enough
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return
    try:
        with (
            written(target) as out,
            app_ctx.session(write=False) as session,
        ):
            if excel:
                out.write("\ufeff")
            exported = transfer.export_tickets(session, filters=filters, fmt=kind, out=out, raw=raw)
    except OSError as exc:
        raise InvalidInput(f"cannot write {target}: {exc.strerror or exc}") from None
    app_ctx.console.print(f"Exported {count(exported, 'ticket')} to {target}.", markup=False)
