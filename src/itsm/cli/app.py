"""The root ``itsm`` command: global options and the command groups."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from itsm import __version__
from itsm.cli import db, demo, inventory, kb, tickets, users
from itsm.cli.context import AppContext

app = typer.Typer(
    name="itsm",
    help="IT support management: tickets, users, inventory, knowledge base.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(tickets.app, name="ticket")
app.add_typer(users.app, name="user")
app.add_typer(kb.app, name="kb")
app.add_typer(inventory.app, name="inventory")
app.add_typer(db.app, name="db")
app.command("demo")(demo.demo)
app.command("overview")(demo.overview)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"itsm {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="SQLAlchemy URL (default: embedded SQLite file).",
            envvar="ITSM_DATABASE_URL",
            show_envvar=True,
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="TOML settings file.", envvar="ITSM_CONFIG"),
    ] = None,
    profile: Annotated[
        str | None,
        typer.Option("--profile", help="development, test or production.", envvar="ITSM_PROFILE"),
    ] = None,
    actor: Annotated[
        str | None,
        typer.Option("--as", help="Username recorded as the one acting.", envvar="ITSM_USER"),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """IT support management: tickets, users, inventory, knowledge base."""
    import os

    if config is not None:
        os.environ["ITSM_CONFIG"] = str(config)
    if profile is not None:
        os.environ["ITSM_PROFILE"] = profile
    app_ctx = ctx.obj if isinstance(ctx.obj, AppContext) else AppContext()
    app_ctx.overrides.setdefault("database_url", database_url)
    app_ctx.debug = app_ctx.debug or debug
    app_ctx.actor_ref = actor
    ctx.obj = app_ctx
    ctx.call_on_close(app_ctx.close)
