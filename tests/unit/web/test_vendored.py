"""The front-end files taken from the npm registry are the ones versions.toml pins."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

import pytest

VENDOR = Path(__file__).resolve().parents[3] / "src" / "itsm" / "web" / "static" / "vendor"
PINNED = tomllib.loads((VENDOR / "versions.toml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(PINNED))
def test_each_vendored_package_has_its_license_and_pinned_files(name: str) -> None:
    entry = PINNED[name]
    folder = VENDOR / name
    assert (folder / "LICENSE").stat().st_size > 0
    assert entry["version"].count(".") == 2  # an exact version, no range
    assert set(entry["files"]) == set(entry["sha256"])
    shipped = {p.name for p in folder.iterdir()} - {"LICENSE"}
    assert shipped == set(entry["files"])
    for file, digest in entry["sha256"].items():
        assert hashlib.sha256((folder / file).read_bytes()).hexdigest() == digest, file


def test_no_vendored_folder_is_left_out_of_versions_toml() -> None:
    folders = {p.name for p in VENDOR.iterdir() if p.is_dir()}
    assert folders == set(PINNED)
