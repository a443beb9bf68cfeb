"""Who may call the inventory routes (see :mod:`tests.e2e.api.matrix`): staff only."""

from __future__ import annotations

from typing import Any

from tests.e2e.api.matrix import STAFF, Case


def _to_user(seed: dict[str, Any]) -> dict[str, Any]:
    return {"owner": seed["user_id"]}


CASES: list[Case] = [
    Case("GET", "/inventory/assets", STAFF),
    Case("GET", "/inventory/assets", STAFF, params={"status": "in_use", "asset_type": "laptop"}),
    Case("GET", "/inventory/assets/{asset}", STAFF, template="/inventory/assets/{ref:path}"),
    Case(
        "POST",
        "/inventory/assets",
        STAFF,
        body={"asset_tag": "NEW-{asset}", "asset_type": "laptop", "status": "in_stock"},
        mutates=True,
    ),
    Case(
        "PUT",
        "/inventory/assets/{asset}/owner",
        STAFF,
        body=_to_user,
        template="/inventory/assets/{ref:path}/owner",
        mutates=True,
    ),
    Case(
        "PUT",
        "/inventory/assets/{asset}/status",
        STAFF,
        body={"status": "in_repair"},
        template="/inventory/assets/{ref:path}/status",
        mutates=True,
    ),
]
