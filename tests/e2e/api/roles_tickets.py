"""Who may call each tickets route (see matrix.py).

Staff see and change every ticket. End users read, comment on and rate only the
tickets they requested: anyone else's is a 404, as if it did not exist. Changes
reserved to staff are refused for the role (403) before any ticket is looked up.
"""

from __future__ import annotations

from tests.e2e.api.matrix import PEOPLE, STAFF, Case

OWNER = STAFF | {"user"}  # what the requester of ``own_ticket`` may do with it

CASES = [
    Case("POST", "/tickets", PEOPLE, body={"title": "Matrix check", "category": "other"}),
    Case("GET", "/tickets", PEOPLE, params={"limit": 5}),
    # End users may list only their own tickets.
    Case("GET", "/tickets", STAFF, params={"requester": "{technician_name}"}),
    Case("GET", "/tickets/search", PEOPLE, params={"q": "printer"}),
    Case("GET", "/tickets/stats", STAFF),
    Case("GET", "/tickets/{own_ticket}", OWNER, denied_status=404),
    Case("GET", "/tickets/{other_ticket}", STAFF, denied_status=404),
    Case("PATCH", "/tickets/{own_ticket}", STAFF, body={"priority": "high"}),
    Case("POST", "/tickets/{own_ticket}/assign", STAFF, body={"assignee": "{technician_name}"}),
    Case(
        "POST",
        "/tickets/{own_ticket}/status",
        STAFF,
        body={"status": "in_progress"},
        mutates=True,  # a second open → in_progress is no transition
    ),
    Case("GET", "/tickets/{own_ticket}/comments", OWNER, denied_status=404),
    Case("GET", "/tickets/{other_ticket}/comments", STAFF, denied_status=404),
    Case(
        "POST",
        "/tickets/{own_ticket}/comments",
        OWNER,
        body={"body": "Any news?"},
        denied_status=404,
    ),
    Case("POST", "/tickets/{own_ticket}/comments", STAFF, body={"body": "Hm", "is_internal": True}),
    Case(
        "POST",
        "/tickets/{other_ticket}/comments",
        STAFF,
        body={"body": "Me too"},
        denied_status=404,
    ),
    Case("GET", "/tickets/{own_ticket}/history", OWNER, denied_status=404),
    Case("GET", "/tickets/{other_ticket}/history", STAFF, denied_status=404),
    Case("GET", "/tickets/{own_ticket}/links", OWNER, denied_status=404),
    Case("POST", "/tickets/{own_ticket}/links", STAFF, body={"other": "{other_ticket}"}),
    Case(
        "POST", "/tickets/{own_ticket}/merge", STAFF, body={"into": "{other_ticket}"}, mutates=True
    ),
    Case(
        "POST",
        "/tickets/{own_resolved_ticket}/reopen",
        OWNER,
        denied_status=404,
        mutates=True,  # a reopened ticket is no longer resolved
    ),
    Case(
        "POST",
        "/tickets/{own_resolved_ticket}/rating",
        frozenset({"user", "admin"}),  # the requester; admins may record it for them
        body={"rating": 5},
        denied_status=404,
        denied_as={"technician": 403},
        mutates=True,  # once per resolution
    ),
    Case(
        "POST",
        "/tickets/import",
        STAFF,
        params={"format": "jsonl"},
        # One JSON Lines row: the JSON body the matrix sends is one line.
        body={
            "title": "Imported by the matrix",
            "category": "hardware",
            "requester": "{user_name}",
        },
        mutates=True,
    ),
]
