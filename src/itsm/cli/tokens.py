"""``itsm token``: API tokens for people and for diagnostics agents."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from itsm.cli.common import JsonOption, app_context, dump

if TYPE_CHECKING:
    pass

app = typer.Typer(help="Create, list and revoke API tokens.", no_args_is_help=True)


@app.command("create")
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="What the token is for, e.g. 'laptop' or a host.")],
    user: Annotated[
        str | None,
        typer.Option(
            help="Owner (default: the acting user; agents: diagnostics.tickets.agent_username)."
        ),
    ] = None,
    agent: Annotated[
        bool,
        typer.Option("--agent", help="An agent token: may only send what its --scope names."),
    ] = False,
    scope: Annotated[
        list[str] | None,
        typer.Option(
            "--scope",
            help=(
                "With --agent, repeatable: 'alerts' (Alertmanager) and/or 'reports' "
                "(diagnostics). Required without --host; a --host token has 'reports'."
            ),
        ),
    ] = None,
    expires_days: Annotated[
        int | None, typer.Option(min=1, max=3650, help="Expire after this many days.")
    ] = None,
    host: Annotated[
        str | None,
        typer.Option(
            "--host",
            help=(
                "With --agent: accept reports of this host only. An inventory item (id, "
                "asset tag or hostname) a report recorded, or the host's identity: "
                "machine-id:<id>, dmi:<uuid> or hostname:<name>."
            ),
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a token and print its secret (shown only this once)."""
    from itsm.accounts import service
    from itsm.accounts.models import TokenKind
    from itsm.accounts.principal import acting
    from itsm.accounts.schemas import TokenCreate
    from itsm.validation import validated

    app_ctx = app_context(ctx)
    kind = TokenKind.AGENT if agent else TokenKind.PERSONAL
    fields = {"name": name, "kind": kind, "expires_in_days": expires_days, "host": host}
    data = validated(TokenCreate, {**fields, "scopes": [s.lower() for s in scope or ()] or None})
    with app_ctx.session() as session:
        token, secret = service.issue_token(
            session,
            who=acting(app_ctx.actor(session)),
            data=data,
            owner_ref=user,
            agent_account=app_ctx.settings.diagnostics.tickets.agent_username,
            max_days=app_ctx.settings.api.token_days,
        )
        issued = service.issued_token(session, token, secret)
    if as_json:
        from itsm.cli.output import print_json

        print_json(app_ctx.console, dump(issued))
        return
    bound = f", bound to host {issued.host_identity}" if issued.host_identity else ""
    scopes = f", scopes {' '.join(issued.scopes)}" if issued.scopes else ""
    app_ctx.err.print(
        f"Token #{issued.id} ({issued.kind}{bound}{scopes}) for {issued.user}; "
        "copy it now, it is not shown again:",
        markup=False,
    )
    app_ctx.console.print(issued.token, markup=False, soft_wrap=True)


@app.command("list")
def list_(
    ctx: typer.Context,
    user: Annotated[str | None, typer.Option(help="Only this user's tokens.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include revoked tokens.")] = False,
    as_json: JsonOption = False,
) -> None:
    """List tokens (never their secrets)."""
    from itsm.accounts import service
    from itsm.accounts.principal import acting
    from itsm.cli.output import e, print_json, table, when

    app_ctx = app_context(ctx)
    with app_ctx.session(write=False) as session:
        who = acting(app_ctx.actor(session))
        rows = service.token_reads(
            session,
            service.list_tokens(session, who=who, owner_ref=user, include_revoked=all_),
        )
    if as_json:
        print_json(app_ctx.console, [dump(r) for r in rows])
        return
    app_ctx.console.print(
        table(
            "API tokens",
            [
                "Id",
                "User",
                "Name",
                "Kind",
                "Scopes",
                "Host",
                "Starts",
                "Created",
                "Expires",
                "Last used",
                "Revoked",
            ],
            (
                [
                    str(t.id),
                    e(t.user),
                    e(t.name),
                    t.kind,
                    " ".join(t.scopes) or "-",
                    e(t.host_identity or ("any" if t.kind == "agent" else None)),
                    e(t.prefix + "…"),
                    when(t.created_at),
                    when(t.expires_at),
                    when(t.last_used_at),
                    when(t.revoked_at),
                ]
                for t in rows
            ),
        )
    )


@app.command("revoke")
def revoke(
    ctx: typer.Context,
    token_id: Annotated[str, typer.Argument(help="Token id (from 'itsm token list').")],
    as_json: JsonOption = False,
) -> None:
    """Revoke a token: it stops working at once."""
    from itsm.accounts import service
    from itsm.accounts.principal import acting

    app_ctx = app_context(ctx)
    with app_ctx.session() as session:
        who = acting(app_ctx.actor(session))
        read = service.token_reads(
            session, [service.revoke_token(session, who=who, token_id=token_id)]
        )[0]
    if as_json:
        from itsm.cli.output import print_json

        print_json(app_ctx.console, dump(read))
        return
    app_ctx.console.print(f"Token #{read.id} ({read.name}) revoked.", markup=False)
