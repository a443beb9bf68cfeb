"""Fixtures for API tests: a real server over HTTP on a fresh database of each backend."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from itsm.config import Settings
from tests.live_server import Api, live_api


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    with live_api(settings) as running:
        yield running


@pytest.fixture
def admin(api: Api) -> httpx.Client:
    return api.as_new("root", role="admin")
