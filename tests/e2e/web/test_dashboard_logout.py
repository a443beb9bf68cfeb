"""An open dashboard whose session ends (here: every session of its person revoked,
as a new password or a deactivation does) goes to the login page by itself, in a
real browser, instead of showing frozen figures as if live."""

from __future__ import annotations

from typing import Any

import pytest

from itsm.accounts import sessions
from itsm.config import Settings
from itsm.users import service as users
from tests.e2e.web.support import log_in
from tests.live_server import Api

playwright_api = pytest.importorskip("playwright.sync_api")

PASSWORD = "dashboard-Passw0rd-2026"  # a test account's password


@pytest.fixture
def settings(settings: Settings) -> Settings:
    fast = settings.api.model_copy(update={"event_heartbeat_seconds": 0.2})
    return settings.model_copy(update={"api": fast})


def test_a_dashboard_whose_session_ended_goes_to_the_login_page(
    api: Api, browser_page: Any
) -> None:
    api.user("tina", role="technician", password=PASSWORD)
    page = browser_page
    log_in(page, api.base_url, "tina", PASSWORD)
    page.goto(f"{api.base_url}/dashboard")
    expect = playwright_api.expect
    expect(page.locator("#dashboard[data-state=live]")).to_have_count(1, timeout=10_000)

    with api.session() as session:
        assert sessions.revoke_user_sessions(session, user=users.get_user(session, ref="tina"))

    page.wait_for_url(f"{api.base_url}/login?next=%2Fdashboard", timeout=10_000)
    expect(page.locator("input[name=username]")).to_have_count(1)
