"""Fixtures for the web app's tests: a real server over HTTP on each database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from itsm.config import Settings
from tests.live_server import Api, live_api


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    with live_api(settings) as running:
        yield running
