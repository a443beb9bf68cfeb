"""Who may call each attachments route (see matrix.py).

As for comments: end users attach to, list and download from only the tickets they
requested (anyone else's is a 404), and never see internal files (404, as if missing).
Internal files are staff's: an end user asking to attach one is refused for the role.
"""

from __future__ import annotations

from tests.e2e.api.matrix import STAFF, Case

OWNER = STAFF | {"user"}
FILE = {"file": ("screen.txt", b"the screen says 0x42", "text/plain")}

CASES = [
    Case(
        "POST", "/tickets/{own_ticket}/attachments", OWNER, body={}, files=FILE, denied_status=404
    ),
    Case(
        "POST", "/tickets/{other_ticket}/attachments", STAFF, body={}, files=FILE, denied_status=404
    ),
    Case(
        "POST",
        "/tickets/{own_ticket}/attachments",
        STAFF,
        body={"internal": "true", "comment": "Server log attached."},
        files=FILE,
    ),
    Case("GET", "/tickets/{own_ticket}/attachments", OWNER, denied_status=404),
    Case("GET", "/tickets/{other_ticket}/attachments", STAFF, denied_status=404),
    Case("GET", "/tickets/{own_ticket}/attachments/{own_attachment}", OWNER, denied_status=404),
    Case(
        "GET", "/tickets/{own_ticket}/attachments/{internal_attachment}", STAFF, denied_status=404
    ),
]
