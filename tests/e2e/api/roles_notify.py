"""Who may see and requeue the deliveries the notifications worker gave up on
(see matrix.py): admins only."""

from __future__ import annotations

from tests.e2e.api.matrix import Case

ADMIN = frozenset({"admin"})

CASES = [
    Case("GET", "/notify/failed", ADMIN),
    Case("POST", "/notify/failed/retry", ADMIN, body={"ids": None}),
]
