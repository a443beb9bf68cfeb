"""Static files are sent gzip-compressed to browsers that accept it, as they are."""

from __future__ import annotations

import gzip
from importlib import resources

import httpx
import pytest

from tests.live_server import Api


@pytest.mark.parametrize("name", ["app.css", "vendor/htmx/htmx.min.js", "dashboard.js"])
def test_static_files_are_compressed_for_browsers_that_accept_it(api: Api, name: str) -> None:
    original = (resources.files("itsm.web") / "static" / name).read_bytes()
    with httpx.Client(base_url=api.base_url, timeout=30) as client:
        with client.stream("GET", f"/static/{name}", headers={"Accept-Encoding": "gzip"}) as got:
            wire = b"".join(got.iter_raw())  # the bytes as sent, not decoded
        plain = client.get(f"/static/{name}", headers={"Accept-Encoding": "identity"})
    assert got.status_code == 200
    assert got.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in got.headers["vary"].lower()
    assert got.headers["x-content-type-options"] == "nosniff"
    assert gzip.decompress(wire) == original
    assert len(wire) < len(original) / 2
    assert plain.status_code == 200
    assert "content-encoding" not in plain.headers
    assert plain.content == original
