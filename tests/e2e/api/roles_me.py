"""Who may read and change their own notification preferences and in-app
notifications (see matrix.py)."""

from __future__ import annotations

from tests.e2e.api.matrix import PEOPLE, Case

CASES = [
    Case("GET", "/me/notify-prefs", PEOPLE),
    Case(
        "PUT",
        "/me/notify-prefs",
        PEOPLE,
        body={"prefs": [{"kind": "comment", "channel": "email", "enabled": True}]},
    ),
    Case("GET", "/me/notifications", PEOPLE),
    Case("POST", "/me/notifications/read", PEOPLE, body={"ids": None}),
]
