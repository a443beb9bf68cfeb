"""Fixtures for the web app's tests: a real server over HTTP on each database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from itsm.config import Settings
from tests.live_server import Api, live_api


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    with live_api(settings) as running:
        yield running


@pytest.fixture
def browser_page(chromium: Any) -> Iterator[Any]:
    """A page of the shared Chromium at desktop width."""
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    try:
        yield page
    finally:
        page.close()
