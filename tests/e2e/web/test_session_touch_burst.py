"""A burst of requests of one web session whose use is due to be recorded does not
exhaust the connection pool: only one of them records it (a second connection each
made them wait for each other until the pool timed out, a 500)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx

from itsm.accounts import sessions
from itsm.config import Settings
from itsm.db.base import utcnow
from itsm.web.session import COOKIE, lifetime
from tests.factories import make_user
from tests.live_server import live_api

BURST = 12


def test_a_burst_of_one_sessions_requests_shares_one_touch(settings: Settings) -> None:
    small = settings.model_copy(update={"database_pool_size": 2, "database_max_overflow": 0})
    with live_api(small) as api:
        with api.db.session() as session:
            user = make_user(session)
            # last used two minutes ago: every request of the burst finds its touch due
            _, secret = sessions.open_session(
                session,
                user=user,
                address="127.0.0.1",
                lifetime=lifetime(small),
                now=utcnow() - timedelta(minutes=2),
            )
        cookies = {COOKIE: secret}

        def read(_: int) -> int:
            with httpx.Client(base_url=api.base_url, cookies=cookies, timeout=60) as client:
                return client.get("/tickets").status_code

        with ThreadPoolExecutor(BURST) as pool:
            statuses = list(pool.map(read, range(BURST)))
    assert statuses == [200] * BURST
