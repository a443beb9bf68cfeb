"""Who may read the desk's web push key and subscribe their own browsers (see matrix.py):
people only; an agent token has no browser. A renewal (the service worker's, which has no
login) is anyone's call: its proof is the old subscription's secret, and it answers the
same whether that matched or not."""

from __future__ import annotations

from tests.e2e.api.matrix import PEOPLE, ROLES, Case
from tests.push_service import Browser

_BROWSER = Browser(endpoint="https://push.example.org/send/matrix")
_RENEWED = Browser(endpoint="https://push.example.org/send/matrix-renewed")

CASES = [
    Case("GET", "/push/key", PEOPLE),
    Case("GET", "/me/push-subscriptions", PEOPLE),
    Case("POST", "/me/push-subscriptions", PEOPLE, body=_BROWSER.subscription(), mutates=True),
    Case(
        "DELETE",
        "/me/push-subscriptions",
        PEOPLE,
        params={"endpoint": _BROWSER.endpoint},
        mutates=True,
    ),
    Case(
        "POST",
        "/push-subscriptions/renew",
        frozenset(ROLES),
        body={"old": _BROWSER.subscription(), "new": _RENEWED.subscription()},
        mutates=True,
    ),
]
