"""The shipped systemd units pass `systemd-analyze verify` and run what they say."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

UNITS = Path(__file__).resolve().parents[3] / "contrib" / "systemd"
ITSM = Path(sys.executable).with_name("itsm")
SHIPPED = "/opt/itsm/bin/itsm"


def _read(unit: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(unit.read_text(encoding="utf-8"))
    return parser


def test_every_job_has_a_unit() -> None:
    commands = {
        _read(unit)["Service"]["ExecStart"].removeprefix(SHIPPED + " ").split(" --")[0]
        for unit in UNITS.glob("*.service")
    }
    expected = {"serve", "worker", "sla tick", "diag prune", "diag run", "diag watch"}
    assert expected | {"ticket sweep-files"} <= commands
    for timer in UNITS.glob("*.timer"):
        assert timer.with_suffix(".service").exists(), timer
        section = _read(timer)["Timer"]
        # Persistent= only acts on OnCalendar= timers.
        assert "OnCalendar" in section or "Persistent" not in section, timer


def test_units_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        message = "systemd-analyze is not installed (Debian package systemd)"
        if os.environ.get("CI"):  # .ci/run installs it
            pytest.fail(message)
        pytest.skip(message)
    for unit in UNITS.iterdir():
        text = unit.read_text(encoding="utf-8").replace(SHIPPED, str(ITSM))
        (tmp_path / unit.name).write_text(text, encoding="utf-8")
    units = sorted(str(p) for p in tmp_path.iterdir())
    result = subprocess.run(
        [analyze, "verify", "--man=no", *units],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr
