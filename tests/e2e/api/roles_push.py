"""Who may read the desk's web push key and subscribe their own browsers (see matrix.py):
people only; an agent token has no browser."""

from __future__ import annotations

from tests.e2e.api.matrix import PEOPLE, Case
from tests.push_service import Browser

_BROWSER = Browser(endpoint="https://push.example.org/send/matrix")

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
]
