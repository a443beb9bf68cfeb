"""docs/web.md's screenshots: every picture it shows is committed, a real PNG, small."""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[3] / "docs"
MAX_BYTES = 120 * 1024  # what tests/browser/screenshots.py allows


def test_every_screenshot_the_page_shows_is_a_small_png() -> None:
    shown = re.findall(r"!\[[^\]]+\]\((img/[^)]+\.png)\)", (DOCS / "web.md").read_text("utf-8"))
    assert {Path(p).stem for p in shown} >= {
        "portal",
        "new-ticket",
        "queue",
        "ticket",
        "dashboard",
        "admin-users",
    }
    for name in shown:
        data = (DOCS / name).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n"), name
        assert len(data) < MAX_BYTES, name
    committed = {f"img/{p.name}" for p in (DOCS / "img").glob("*.png")}
    assert committed == set(shown)  # no picture left behind that no page shows
