"""``itsm notify``: your in-app notifications, and the messages delivery gave up on."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from itsm.cli.common import JsonOption, app_context

app = typer.Typer(help="In-app notifications and failed deliveries.", no_args_is_help=True)

LimitOption = Annotated[int, typer.Option(min=1, max=1000, help="Show at most this many.")]


@app.command("list")
def list_(
    ctx: typer.Context,
    unread: Annotated[bool, typer.Option("--unread", help="Only those not read yet.")] = False,
    limit: LimitOption = 50,
    as_json: JsonOption = False,
) -> None:
    """The acting user's (--as) in-app notifications, newest first."""
    from itsm.cli.output import e, print_json, table, when
    from itsm.errors import InvalidInput
    from itsm.notify import inapp

    app_ctx = app_context(ctx)
    with app_ctx.session(write=False) as session:
        user = app_ctx.actor(session)
        if user is None:
            raise InvalidInput("there is no user to act as: name one with --as")
        found = inapp.listed(session, user=user, unread=unread, limit=limit)
        rows: list[dict[str, Any]] = [
            {
                "id": n.id,
                "kind": n.kind,
                "text": n.text,
                "created_at": n.created_at,
                "read": n.read_at is not None,
            }
            for n in found
        ]
    if as_json:
        print_json(app_ctx.console, rows)
        return
    if not rows:
        app_ctx.console.print("No notifications.", markup=False)
        return
    app_ctx.console.print(
        table(
            "Notifications",
            ["id", "when", "", "text"],
            [
                [
                    str(r["id"]),
                    when(r["created_at"]),
                    "" if r["read"] else "new",
                    e(str(r["text"])),
                ]
                for r in rows
            ],
        )
    )


@app.command("read")
def read(
    ctx: typer.Context,
    ids: Annotated[list[int] | None, typer.Argument(help="Notification ids.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every unread notification.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Mark the acting user's notifications read."""
    from itsm.cli.output import print_json
    from itsm.errors import InvalidInput
    from itsm.notify import inapp
    from itsm.wording import count

    if bool(ids) == all_:
        raise InvalidInput("name notification ids or --all (not both)")
    app_ctx = app_context(ctx)
    with app_ctx.session() as session:
        user = app_ctx.actor(session)
        if user is None:
            raise InvalidInput("there is no user to act as: name one with --as")
        changed = inapp.mark_read(session, user=user, ids=None if all_ else ids)
    if as_json:
        print_json(app_ctx.console, {"marked_read": changed})
        return
    app_ctx.console.print(f"{count(changed, 'notification')} marked read.", markup=False)


@app.command("failed")
def failed(ctx: typer.Context, limit: LimitOption = 50, as_json: JsonOption = False) -> None:
    """Messages the worker gave up on (admins), newest first, with the last error."""
    from itsm.accounts.principal import acting
    from itsm.cli.output import e, print_json, table, when
    from itsm.notify import dead_letters

    app_ctx = app_context(ctx)
    with app_ctx.session(write=False) as session:
        who = acting(app_ctx.actor(session))
        rows: list[dict[str, Any]] = [
            {
                "id": m.id,
                "channel": m.channel,
                "kind": m.kind,
                "recipient_id": m.recipient_id,
                "webhook_id": m.webhook_id,
                "attempts": m.attempts,
                "created_at": m.created_at,
                "error": m.last_error or "",
            }
            for m in dead_letters.failed(session, who=who, limit=limit)
        ]
    if as_json:
        print_json(app_ctx.console, rows)
        return
    if not rows:
        app_ctx.console.print("No failed deliveries.", markup=False)
        return
    app_ctx.console.print(
        table(
            "Failed deliveries",
            ["id", "when", "channel", "kind", "tries", "error"],
            [
                [
                    str(r["id"]),
                    when(r["created_at"]),
                    str(r["channel"]),
                    str(r["kind"]),
                    str(r["attempts"]),
                    e(str(r["error"])),
                ]
                for r in rows
            ],
        )
    )


@app.command("retry")
def retry(
    ctx: typer.Context,
    ids: Annotated[list[int] | None, typer.Argument(help="Failed message ids.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every failed message.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Requeue failed messages (admins): the worker tries each once more."""
    from itsm.accounts.principal import acting
    from itsm.cli.output import print_json
    from itsm.errors import InvalidInput
    from itsm.notify import dead_letters
    from itsm.wording import count

    if bool(ids) == all_:
        raise InvalidInput("name failed message ids or --all (not both)")
    app_ctx = app_context(ctx)
    with app_ctx.session() as session:
        who = acting(app_ctx.actor(session))
        requeued = dead_letters.retry(session, who=who, ids=None if all_ else ids)
    if as_json:
        print_json(app_ctx.console, {"requeued": requeued})
        return
    app_ctx.console.print(f"{count(requeued, 'message')} requeued.", markup=False)
