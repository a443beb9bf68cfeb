"""Command groups build only the command that runs (``itsm.cli.app.deferred_group``)."""

from __future__ import annotations

import pytest
import typer
from typer.core import TyperCommand
from typer.testing import CliRunner

from itsm.cli import tickets
from itsm.cli.app import DeferredCommands, app, deferred_group


def test_a_group_lists_every_command_in_order_and_builds_only_the_one_looked_up() -> None:
    group = deferred_group(tickets.app)
    assert isinstance(group, DeferredCommands)
    ctx = typer.Context(group)
    assert group.commands == {}
    assert group.list_commands(ctx)[:3] == ["create", "list", "show"]
    assert len(group.list_commands(ctx)) == len(tickets.app.registered_commands) >= 10
    command = group.get_command(ctx, "list")
    assert isinstance(command, TyperCommand)
    assert command.name == "list"
    assert list(group.commands) == ["list"]
    assert group.get_command(ctx, "list") is command  # built once
    assert group.get_command(ctx, "no-such-command") is None
    assert len(group.list_commands(ctx)) == len(tickets.app.registered_commands)


def test_help_lists_every_command_and_a_wrong_name_is_a_usage_error() -> None:
    runner = CliRunner()
    shown = runner.invoke(app, ["ticket", "--help"])
    assert shown.exit_code == 0
    for name in ("create", "list", "show", "merge", "import", "export"):
        assert f" {name} " in shown.output
    assert "--install-completion" not in shown.output
    wrong = runner.invoke(app, ["ticket", "lsit"])
    assert wrong.exit_code == 2
    assert "No such command 'lsit'. Did you mean 'list'?" in wrong.output
    root = runner.invoke(app, ["tiket", "list"])
    assert root.exit_code == 2
    assert "Did you mean 'ticket'" in root.output


@pytest.mark.parametrize("group", ["ticket", "sla", "report", "serve", "db"])
def test_no_group_offers_shell_completion_of_its_own(group: str) -> None:
    shown = CliRunner().invoke(app, [group, "--help"])
    assert shown.exit_code == 0, shown.output
    assert "--install-completion" not in shown.output


def test_a_typer_with_one_command_is_built_the_usual_way() -> None:
    single = typer.Typer()

    @single.command()
    def only() -> None:
        """The only command."""

    built = deferred_group(single)
    assert not isinstance(built, DeferredCommands)
    assert isinstance(built, TyperCommand)
