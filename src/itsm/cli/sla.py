"""``itsm sla``: the scheduled SLA job."""

from __future__ import annotations

import typer

from itsm.cli.common import JsonOption, app_context

app = typer.Typer(help="SLA clocks: warnings, breaches, escalation.", no_args_is_help=True)


@app.callback()
def sla() -> None:
    """SLA clocks: warnings, breaches, escalation."""  # a group, so that `itsm sla tick` exists


@app.command("tick")
def tick(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Record SLA warnings and breaches, escalate breaches, auto-close resolved tickets."""
    from itsm.sla import service

    app_ctx = app_context(ctx)
    with app_ctx.session() as session:
        # The scheduled tick acts as the system unless someone is named with --as /
        # ITSM_USER: a fallback admin must not be recorded (or count as a first
        # response) for changes nobody made by hand.
        named = app_ctx.actor_ref or app_ctx.settings.user
        actor = app_ctx.actor(session) if named else None
        result = service.tick(session, sla=app_ctx.settings.sla, actor=actor)
    data = result.as_dict()
    for problem in result.problems:
        app_ctx.err.print(f"warning: {problem}", markup=False, soft_wrap=True)
    if as_json:
        from itsm.cli.output import print_json

        print_json(app_ctx.console, data)
        return
    done = {k: v for k, v in data.items() if v and k != "problems"}
    summary = "; ".join(f"{k}: {', '.join(v)}" for k, v in done.items())
    app_ctx.console.print(summary or "Nothing to do.", markup=False)
