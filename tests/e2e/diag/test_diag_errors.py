"""Bad diagnostics configuration and input: one clear line on stderr, a stable exit code.

These never reach a database (they fail first, or run with ``--no-store``), so
they run once rather than once per backend.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.cli import Cli, describe, make_env
from tests.e2e.diag.conftest import BASE, EXIT, HIGH_DISK, finding, report_of


@pytest.fixture
def nodb() -> Cli:
    """``itsm`` aimed at a database URL nothing here may open."""
    return Cli(env=make_env("postgresql+psycopg://nobody@127.0.0.1:1/never"))


def test_unknown_check_lists_the_valid_names(nodb: Cli) -> None:
    env = {**BASE, "ITSM_DIAGNOSTICS__DISABLED_CHECKS": '["cpu.utilisation","disk.full"]'}
    line = nodb.fail(7, "diag", "run", env=env)
    assert "disk.full" in line
    assert "valid names:" in line
    for name in ("cpu.load", "disk.usage", "memory.available", "network.reach", "temperature"):
        assert name in line
    assert "cpu.utilisation," in line  # listed as valid, not reported as unknown
    assert nodb.fail(7, "inventory", "collect", env=env) == line


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"ITSM_DIAGNOSTICS__DISK__WARNING": "500"}, "diagnostics.disk.warning"),
        (
            {"ITSM_DIAGNOSTICS__DISK__WARNING": "96", "ITSM_DIAGNOSTICS__DISK__CRITICAL": "95"},
            "must not exceed critical",
        ),
        (
            {"ITSM_DIAGNOSTICS__DISK__WARNING_MIN_FREE_BYTES": "null"},
            "both be set or both be null",
        ),
    ],
)
def test_threshold_out_of_range(nodb: Cli, variables: dict[str, str], expected: str) -> None:
    line = nodb.fail(7, "diag", "run", env={**BASE, **variables})
    assert line.startswith("error: invalid setting ")
    assert expected in line


def test_reports_dir_that_is_a_file(nodb: Cli, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the reports should go", encoding="utf-8")
    line = nodb.fail(7, "diag", "run", "--reports-dir", str(blocker), "--no-store", env=BASE)
    assert line.startswith("error: cannot write diagnostics reports to ")
    assert str(blocker) in line

    beneath = blocker / "reports"
    env = {**BASE, "ITSM_DIAGNOSTICS__REPORTS_DIR": str(beneath)}
    line = nodb.fail(7, "diag", "watch", "--count", "1", "--interval", "1", "--no-store", env=env)
    assert str(beneath) in line
    assert blocker.read_text(encoding="utf-8").startswith("a file")


def test_history_rejects_an_unknown_severity(nodb: Cli) -> None:
    bad = nodb.fail(3, "diag", "history", "--severity", "dire")
    assert "healthy" in bad
    assert "critical" in bad


def test_no_store_run_writes_the_printed_report_and_exits_by_severity(
    nodb: Cli, tmp_path: Path
) -> None:
    """Memory over a tiny warning level and nothing worse: Nagios WARNING, exit 1."""
    target = tmp_path / "from-setting"
    env = {
        **HIGH_DISK,
        "ITSM_DIAGNOSTICS__MEMORY__WARNING": "0.1",
        "ITSM_DIAGNOSTICS__REPORTS_DIR": str(target),
    }
    result = nodb.run("diag", "run", "--no-store", "--json", env=env)
    report = report_of(result)
    assert finding(report, "memory.available", "memory")["severity"] == "warning"
    assert report["severity"] in {"warning", "critical"}
    assert result.returncode == EXIT[report["severity"]], describe(result)
    (written,) = target.iterdir()
    assert json.loads(written.read_text(encoding="utf-8")) == report
