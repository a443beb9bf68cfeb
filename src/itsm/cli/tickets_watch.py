"""``itsm ticket watch`` and ``unwatch``: people copied on a ticket (like Cc).

Registered on the ``ticket`` group by :mod:`itsm.cli.tickets`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from itsm.cli.common import JsonOption, app_context, dump

Ref = Annotated[str, typer.Argument(help="Ticket id or number (TKT-YYYYMMDD-NNNN).")]
Person = Annotated[str, typer.Argument(help="The person, by id or username.")]


def watch(ctx: typer.Context, ref: Ref, user: Person, as_json: JsonOption = False) -> None:
    """Copy someone on a ticket: they see it and are told what its requester is told."""
    _change(ctx, ref, user, as_json, adding=True)


def unwatch(ctx: typer.Context, ref: Ref, user: Person, as_json: JsonOption = False) -> None:
    """Stop copying someone on a ticket."""
    _change(ctx, ref, user, as_json, adding=False)


def _change(ctx: typer.Context, ref: str, user_ref: str, as_json: bool, *, adding: bool) -> None:
    from itsm.tickets import watchers

    app_ctx = app_context(ctx)
    with app_ctx.session() as session:
        actor = app_ctx.actor(session)
        change = watchers.watch if adding else watchers.unwatch
        ticket, user, changed = change(session, ref=ref, user_ref=user_ref, actor=actor)
        number, name = ticket.number, user.username
        rows = watchers.reads_of(session, ticket)  # someone who left no longer sees it
    if as_json:
        from itsm.cli.output import print_json

        print_json(app_ctx.console, [dump(r) for r in rows])
        return
    if adding:
        said = "now watches" if changed else "already follows"
    else:
        said = "no longer watches" if changed else "was not watching"
    app_ctx.console.print(f"{name} {said} {number}.", markup=False)
