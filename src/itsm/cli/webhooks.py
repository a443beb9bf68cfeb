"""``itsm webhook``: outgoing webhooks (admins): register, list, test, enable, disable."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from itsm.cli.common import JsonOption, app_context, dump

if TYPE_CHECKING:
    from itsm.webhooks.schemas import WebhookRead

app = typer.Typer(help="Outgoing webhooks for ticket events (admins).", no_args_is_help=True)

RefArgument = Annotated[str, typer.Argument(help="The webhook's id or name.")]


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A name for it, e.g. 'chat' or 'crm'.")],
    url: Annotated[str, typer.Argument(help="Where to POST: an https:// (or http://) URL.")],
    event: Annotated[
        list[str] | None,
        typer.Option(
            "--event",
            help=(
                "Repeatable: ticket.created, ticket.assigned, ticket.commented, "
                "ticket.status_changed, ticket.reopened, ticket.sla_warning, "
                "ticket.sla_breach, ticket.escalated; or 'all' (the default)."
            ),
        ),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format", help="generic (signed JSON) or slack (Slack, Mattermost, Rocket.Chat)."
        ),
    ] = "generic",
    as_json: JsonOption = False,
) -> None:
    """Register a webhook and print its signing secret (shown only this once)."""
    from itsm.accounts.principal import acting
    from itsm.validation import validated
    from itsm.webhooks import service
    from itsm.webhooks.models import WebhookEvent
    from itsm.webhooks.schemas import WebhookCreate, WebhookCreated, WebhookRead

    app_ctx = app_context(ctx)
    chosen = [e.strip().lower() for e in event or ["all"]]
    events = list(WebhookEvent) if "all" in chosen else chosen
    data = validated(
        WebhookCreate, {"name": name, "url": url, "events": events, "format": fmt.lower()}
    )
    with app_ctx.session() as session:
        hook, secret = service.add(
            session,
            who=acting(app_ctx.actor(session)),
            data=data,
            cfg=app_ctx.settings.webhooks,
        )
        made = WebhookCreated(**WebhookRead.model_validate(hook).model_dump(), secret=secret)
    if as_json:
        from itsm.cli.output import print_json

        print_json(app_ctx.console, dump(made))
        return
    app_ctx.err.print(
        f"Webhook #{made.id} ({made.name}); its signing secret, copy it now, "
        "it is not shown again:",
        markup=False,
    )
    app_ctx.console.print(secret, markup=False, soft_wrap=True)


@app.command("list")
def list_(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Every webhook, with whether it is active and why not (never its secret)."""
    from itsm.accounts.principal import acting
    from itsm.cli.output import e, print_json, table, when
    from itsm.webhooks import service
    from itsm.webhooks.schemas import WebhookRead

    app_ctx = app_context(ctx)
    with app_ctx.session(write=False) as session:
        found = service.listed(session, who=acting(app_ctx.actor(session)))
        rows = [WebhookRead.model_validate(h) for h in found]
    if as_json:
        print_json(app_ctx.console, [dump(r) for r in rows])
        return
    if not rows:
        app_ctx.console.print("No webhooks.", markup=False)
        return
    app_ctx.console.print(
        table(
            "Webhooks",
            ["Id", "Name", "URL", "Format", "Events", "Active", "Failures", "Disabled"],
            (
                [
                    str(r.id),
                    e(r.name),
                    e(r.url),
                    r.format,
                    e(" ".join(r.events)),
                    "yes" if r.active else "no",
                    str(r.consecutive_failures),
                    e(f"{when(r.disabled_at)}: {r.disabled_reason}" if r.disabled_at else None),
                ]
                for r in rows
            ),
        )
    )


@app.command("show")
def show(ctx: typer.Context, ref: RefArgument, as_json: JsonOption = False) -> None:
    """One webhook (never its secret)."""
    from itsm.accounts.principal import acting
    from itsm.webhooks import service
    from itsm.webhooks.schemas import WebhookRead

    app_ctx = app_context(ctx)
    with app_ctx.session(write=False) as session:
        hook = service.get(session, who=acting(app_ctx.actor(session)), ref=ref)
        shown = WebhookRead.model_validate(hook)
    _print(ctx, shown, as_json=as_json)


@app.command("enable")
def enable(ctx: typer.Context, ref: RefArgument, as_json: JsonOption = False) -> None:
    """Enable a webhook again; its count of failures starts afresh."""
    _set_active(ctx, ref, active=True, as_json=as_json)


@app.command("disable")
def disable(ctx: typer.Context, ref: RefArgument, as_json: JsonOption = False) -> None:
    """Stop delivering to a webhook (its pending messages are given up)."""
    _set_active(ctx, ref, active=False, as_json=as_json)


@app.command("delete")
def delete(ctx: typer.Context, ref: RefArgument) -> None:
    """Remove a webhook and its undelivered messages."""
    from itsm.accounts.principal import acting
    from itsm.webhooks import service

    app_ctx = app_context(ctx)
    with app_ctx.session() as session:
        hook = service.delete(session, who=acting(app_ctx.actor(session)), ref=ref)
        said = f"Deleted webhook #{hook.id} ({hook.name})."
    app_ctx.console.print(said, markup=False)


@app.command("test")
def send_test(ctx: typer.Context, ref: RefArgument, as_json: JsonOption = False) -> None:
    """POST a signed 'ping' to the webhook now and say what its server answered."""
    from itsm.accounts.principal import acting
    from itsm.cli.exit import ExitStatus
    from itsm.webhooks import service
    from itsm.webhooks.schemas import WebhookTested

    app_ctx = app_context(ctx)
    with app_ctx.session(write=False) as session:
        tested = service.send_test(
            session, who=acting(app_ctx.actor(session)), ref=ref, settings=app_ctx.settings
        )
    result = WebhookTested(ok=tested.delivered, status=tested.status, detail=tested.line)
    if as_json:
        from itsm.cli.output import print_json

        print_json(app_ctx.console, dump(result))
    elif tested.delivered:
        app_ctx.console.print(tested.line, markup=False)
    else:
        app_ctx.err.print(f"error: {tested.line}", markup=False)
    if not tested.delivered:
        raise typer.Exit(ExitStatus.ERROR)


def _set_active(ctx: typer.Context, ref: str, *, active: bool, as_json: bool) -> None:
    from itsm.accounts.principal import acting
    from itsm.webhooks import service
    from itsm.webhooks.schemas import WebhookRead

    app_ctx = app_context(ctx)
    with app_ctx.session() as session:
        hook = service.set_active(
            session, who=acting(app_ctx.actor(session)), ref=ref, active=active
        )
        shown = WebhookRead.model_validate(hook)
    _print(ctx, shown, as_json=as_json)


def _print(ctx: typer.Context, hook: WebhookRead, *, as_json: bool) -> None:
    from itsm.cli.output import e, print_json, when

    app_ctx = app_context(ctx)
    if as_json:
        print_json(app_ctx.console, dump(hook))
        return
    lines: list[tuple[str, Any]] = [
        ("Webhook", f"#{hook.id} {hook.name}"),
        ("URL", hook.url),
        ("Format", hook.format),
        ("Events", " ".join(hook.events)),
        ("Active", "yes" if hook.active else "no"),
        ("Failures in a row", hook.consecutive_failures),
        ("Created", when(hook.created_at)),
    ]
    if hook.disabled_at is not None:
        lines.append(("Disabled", f"{when(hook.disabled_at)}: {hook.disabled_reason}"))
    for label, value in lines:
        app_ctx.console.print(f"{label}: {e(value)}")
