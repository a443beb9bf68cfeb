"""The root ``itsm`` command: global options and the command groups."""

from __future__ import annotations

import copy
from collections.abc import Callable
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
}


class SuggestingGroup(TyperGroup):
    """A group whose unknown-command error suggests from every command's name.

    Typer suggests only among the commands already built; the groups below build
    them on demand.
    """

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except typer.TyperException as exc:
            suggest(exc, args, self.list_commands(ctx))
            raise


class LazyGroup(SuggestingGroup):
    """The root group: lists commands from :data:`COMMANDS`, imports one on demand."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        import importlib

        module_name, attribute, _ = entry
        sub_app = getattr(importlib.import_module(module_name), attribute)
        command = deferred_group(sub_app)
        command.name = cmd_name
        return command

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, entry[2]) for name, entry in COMMANDS.items()])


class DeferredCommands(SuggestingGroup):
    """A group whose commands become click commands only when one is looked up.

    Typer turns every function of a group into a click command (reading its
    signature and evaluating its type hints) before it runs any of them: for
    ``itsm ticket list`` that is 15 commands built for one, about 10 ms of a cold
    command. Help, which lists them all, still builds them all.
    """

    def defer(self, builders: dict[str, Callable[[], Any]]) -> None:
        self._builders = builders

    def list_commands(self, ctx: Any) -> list[str]:
        return [*self.commands, *(name for name in self._builders if name not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        build = self._builders.pop(cmd_name, None)
        if build is not None:
            self.commands[cmd_name] = build()
        return super().get_command(ctx, cmd_name)


def suggest(exc: typer.TyperException, args: list[str], names: list[str]) -> None:
    """Add "Did you mean ...?" to an unknown command's error, from every command's name."""
    import difflib

    message = getattr(exc, "message", None)
    if not isinstance(message, str) or not args or "Did you mean" in message:
        return
    matches = difflib.get_close_matches(args[0], names)
    if matches:
        exc.message = f"{message.rstrip('.')}. Did you mean {', '.join(map(repr, matches))}?"


def deferred_group(sub_app: typer.Typer) -> Any:
    """``sub_app`` as a click group that builds each command on first use.

    The group itself (its help, callback and options) is what Typer builds; only
    the commands are deferred. A Typer with nested groups or a single command is
    built the usual way. Shell completion is the root's to offer (it offers none),
    so the groups do not add completion options of their own.
    """
    import typer.main

    commands = sub_app.registered_commands
    shell = copy.copy(sub_app)
    shell._add_completion = False  # the root offers none; no group adds its own
    if sub_app.registered_groups or len(commands) < 2:
        return typer.main.get_command(shell)
    shell.registered_commands = []
    shell.info = copy.copy(sub_app.info)
    shell.info.cls = DeferredCommands
    group = typer.main.get_group(shell)
    assert isinstance(group, DeferredCommands)
    group.defer(
        {
            info.name or typer.main.get_command_name(info.callback.__name__): _builder(
                sub_app, info
            )
            for info in commands
            if info.callback is not None
        }
    )
    return group


def _builder(sub_app: typer.Typer, info: Any) -> Callable[[], Any]:
    import typer.main

    return lambda: typer.main.get_command_from_info(
        info,
        pretty_exceptions_short=sub_app.pretty_exceptions_short,
        rich_markup_mode=sub_app.rich_markup_mode,
    )


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
