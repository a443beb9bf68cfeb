"""The root ``itsm`` command: global options and the command groups."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from itsm import __version__
from itsm.cli.context import AppContext

# name -> (module, attribute, one-line help). Groups are imported and turned into
# commands only when used, so `itsm --help` and each command pay for one group.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "ticket": ("itsm.cli.tickets", "app", "Create, find, change and comment on tickets."),
    "user": ("itsm.cli.users", "app", "Add, list and manage users."),
    "kb": ("itsm.cli.kb", "app", "Write, find and read knowledge-base articles."),
    "inventory": ("itsm.cli.inventory", "app", "Register and track hardware."),
    "sla": ("itsm.cli.sla", "app", "SLA clocks: warnings, breaches, escalation."),
    "diag": ("itsm.cli.diag", "app", "Diagnose this host; findings open and close tickets."),
    "db": ("itsm.cli.db", "app", "Create and upgrade the database schema."),
    "demo": ("itsm.cli.demo", "demo_app", "Fill an empty database with example data."),
    "overview": ("itsm.cli.demo", "overview_app", "The active queue by priority and statistics."),
    "report": ("itsm.cli.reports", "app", "Service metrics over a period."),
    "token": ("itsm.cli.tokens", "app", "Create, list and revoke API tokens."),
    "serve": ("itsm.cli.serve", "app", "Run the REST API server."),
    "worker": ("itsm.cli.worker", "app", "Deliver notifications (email, in-app, push)."),
    "notify": ("itsm.cli.notify", "app", "In-app notifications and failed deliveries."),
    "mail": ("itsm.cli.mail", "app", "Read the desk's mailbox (IMAP) into tickets and comments."),
    "push": ("itsm.cli.push", "app", "Web push: the desk's VAPID keys."),
    "webhook": ("itsm.cli.webhooks", "app", "Outgoing webhooks for ticket events (admins)."),
}


#: Typer's shell-completion options, which every Typer adds to its own command.
_COMPLETION_PARAMS = frozenset({"install_completion", "show_completion"})


class LazyGroup(TyperGroup):
    """The root group: lists commands from :data:`COMMANDS`, imports one on demand.

    Click's "lazily loading subcommands" pattern, on Typer's group class. Unknown
    names get "Did you mean ...?" from every command's name, not only from the
    commands already loaded, which are all Typer looks at.
    """

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        import importlib

        import typer.main

        module_name, attribute, _ = entry
        command = typer.main.get_command(getattr(importlib.import_module(module_name), attribute))
        command.name = cmd_name
        # Shell completion is the root's to offer (it offers none); no group adds its own.
        command.params = [p for p in command.params if p.name not in _COMPLETION_PARAMS]
        return command

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except typer.TyperException as exc:
            suggest(exc, args, self.list_commands(ctx))
            raise

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, entry[2]) for name, entry in COMMANDS.items()])


def suggest(exc: typer.TyperException, args: list[str], names: list[str]) -> None:
    """Add "Did you mean ...?" to an unknown command's error, from every command's name."""
    import difflib

    message = getattr(exc, "message", None)
    if not isinstance(message, str) or not args or "Did you mean" in message:
        return
    matches = difflib.get_close_matches(args[0], names)
    if matches:
        exc.message = f"{message.rstrip('.')}. Did you mean {', '.join(map(repr, matches))}?"


app = typer.Typer(
    name="itsm",
    cls=LazyGroup,
    help="IT support management: tickets, users, inventory, knowledge base.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


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
    app_ctx = ctx.obj if isinstance(ctx.obj, AppContext) else AppContext()
    # The settings are built from these when a command first needs them.
    app_ctx.overrides.setdefault("database_url", database_url)
    app_ctx.overrides.setdefault("config_file", config)
    app_ctx.overrides.setdefault("profile", profile)
    app_ctx.debug = app_ctx.debug or debug
    app_ctx.actor_ref = actor
    ctx.obj = app_ctx
    ctx.call_on_close(app_ctx.close)
