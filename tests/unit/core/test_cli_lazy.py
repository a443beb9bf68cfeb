"""The root group imports only the command group that runs (``itsm.cli.app.LazyGroup``)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from itsm.cli.app import COMMANDS, app

PROBE = """
import json, sys
from itsm.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m.startswith("itsm.cli."))))
"""


def _cli_modules_loaded(*args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_root_help_lists_every_group_and_imports_none() -> None:
    shown = CliRunner().invoke(app, ["--help"])
    assert shown.exit_code == 0
    for name, (_, _, help_text) in COMMANDS.items():
        assert name in shown.output
        assert help_text in shown.output
    group_modules = {module for module, _, _ in COMMANDS.values()}
    assert not _cli_modules_loaded("--help") & group_modules


def test_a_command_imports_only_its_own_group() -> None:
    loaded = _cli_modules_loaded("sla", "--help")
    assert "itsm.cli.sla" in loaded
    assert not loaded & {"itsm.cli.tickets", "itsm.cli.diag", "itsm.cli.serve"}


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


@pytest.mark.parametrize("group", ["ticket", "sla", "report", "serve", "db", "demo"])
def test_no_group_offers_shell_completion_of_its_own(group: str) -> None:
    shown = CliRunner().invoke(app, [group, "--help"])
    assert shown.exit_code == 0, shown.output
    assert "--install-completion" not in shown.output


def test_a_group_of_one_command_runs_as_that_command() -> None:
    shown = CliRunner().invoke(app, ["overview", "--help"])
    assert shown.exit_code == 0, shown.output
    assert "--json" in shown.output  # the command's own options, not a list of subcommands
