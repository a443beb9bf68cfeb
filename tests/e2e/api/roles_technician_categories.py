"""Who may read and set a technician's ticket categories (see matrix.py): staff read
them (they assign tickets by them), admins set them; end users are refused before any
lookup."""

from __future__ import annotations

from tests.e2e.api.matrix import STAFF, Case

CASES = [
    Case("GET", "/users/{technician_name}/categories", STAFF, template="/users/{ref}/categories"),
    Case(
        "PUT",
        "/users/{technician_id}/categories",
        frozenset({"admin"}),
        body={"categories": ["network", "hardware"]},
        template="/users/{ref}/categories",
    ),
]
