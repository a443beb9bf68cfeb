"""Who may call the watcher routes, and what a watcher may do with the ticket they are
copied on (see matrix.py).

``other`` watches ``watched_ticket`` (requested by a neighbour): they see it, read and
write public comments and may stop watching, as its requester would; they may not
copy anyone else on it (only staff and the requester may). ``user`` does not see it:
404, as if it did not exist.
"""

from __future__ import annotations

from tests.e2e.api.matrix import STAFF, Case

OWNER = STAFF | {"user"}  # the requester of ``own_ticket``
WATCHER = STAFF | {"other"}  # those who see ``watched_ticket``

CASES = [
    Case("GET", "/tickets/{own_ticket}/watchers", OWNER, denied_status=404),
    Case("GET", "/tickets/{watched_ticket}/watchers", WATCHER, denied_status=404),
    # The requester copies a technician on their own ticket (again: 200, idempotent).
    Case(
        "POST",
        "/tickets/{own_ticket}/watchers",
        OWNER,
        body={"user": "{technician_name}"},
        denied_status=404,
    ),
    # A watcher may not copy others: refused before the person is looked up.
    Case(
        "POST",
        "/tickets/{watched_ticket}/watchers",
        STAFF,
        body={"user": "{technician_name}"},
        denied_status=404,
        denied_as={"other": 403},
    ),
    Case(
        "DELETE",
        "/tickets/{own_ticket}/watchers/{technician_name}",
        OWNER,
        denied_status=404,
    ),
    # Anyone may stop watching; others' watchers are not theirs to remove.
    Case(
        "DELETE",
        "/tickets/{watched_ticket}/watchers/{other_name}",
        WATCHER,
        denied_status=404,
        mutates=True,
    ),
    Case(
        "DELETE",
        "/tickets/{own_ticket}/watchers/{user_name}",
        OWNER,
        denied_status=404,
    ),
    # The watcher sees the ticket as its requester does: public timeline, public replies.
    Case("GET", "/tickets/{watched_ticket}", WATCHER, denied_status=404),
    Case("GET", "/tickets/{watched_ticket}/comments", WATCHER, denied_status=404),
    Case("GET", "/tickets/{watched_ticket}/history", WATCHER, denied_status=404),
    Case(
        "POST",
        "/tickets/{watched_ticket}/comments",
        WATCHER,
        body={"body": "Mine too"},
        denied_status=404,
    ),
    # Never internal notes: staff only, refused for the role before any lookup.
    Case(
        "POST",
        "/tickets/{watched_ticket}/comments",
        STAFF,
        body={"body": "Hm", "is_internal": True},
    ),
]
