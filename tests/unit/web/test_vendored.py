"""The front-end files taken from the npm registry are the ones versions.toml pins:
the app's (served) and the browser tests' own (axe-core, never served)."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
VENDORS = [
    ROOT / "src" / "itsm" / "web" / "static" / "vendor",
    ROOT / "tests" / "browser" / "vendor",
]
ENTRIES = [
    (vendor, name)
    for vendor in VENDORS
    for name in sorted(tomllib.loads((vendor / "versions.toml").read_text(encoding="utf-8")))
]


def _pinned(vendor: Path) -> dict[str, dict[str, object]]:
    return tomllib.loads((vendor / "versions.toml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("vendor", "name"), ENTRIES, ids=[n for _, n in ENTRIES])
def test_each_vendored_package_has_its_license_and_pinned_files(vendor: Path, name: str) -> None:
    entry = _pinned(vendor)[name]
    folder = vendor / name
    assert (folder / "LICENSE").stat().st_size > 0
    assert str(entry["version"]).count(".") == 2  # an exact version, no range
    files, digests = entry["files"], entry["sha256"]
    assert isinstance(files, dict)
    assert isinstance(digests, dict)
    assert set(files) == set(digests)
    shipped = {p.name for p in folder.iterdir() if not p.name.startswith("LICENSE")}
    assert shipped == set(files)
    for file, digest in digests.items():
        assert hashlib.sha256((folder / file).read_bytes()).hexdigest() == digest, file


@pytest.mark.parametrize("vendor", VENDORS, ids=["app", "browser-tests"])
def test_no_vendored_folder_is_left_out_of_versions_toml(vendor: Path) -> None:
    folders = {p.name for p in vendor.iterdir() if p.is_dir()}
    assert folders == set(_pinned(vendor))
