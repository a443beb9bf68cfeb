"""The inventory API over real HTTP on SQLite and PostgreSQL: items, owners and status."""

from __future__ import annotations

from typing import Any

import httpx

from itsm.accounts.models import TokenKind
from tests.e2e.api.support import invalid, ok, problem
from tests.live_server import Api

NOT_FOUND = "asset-not-found"
TYPES = "desktop, laptop, server, virtual_machine, printer, monitor, network, phone, other"
STATUSES = "in_use, in_stock, in_repair, retired, lost"


def _add(client: httpx.Client, tag: str, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = ok(
        client.post("/inventory/assets", json={"asset_tag": tag, "asset_type": "laptop"} | fields),
        201,
    )
    return data


def test_staff_register_find_hand_out_and_retire_items(api: Api) -> None:
    tech = api.as_new("tess", role="technician")
    ana = api.user("ana")
    got = tech.post(
        "/inventory/assets",
        json={
            "asset_tag": "PC-0042",
            "asset_type": "desktop",
            "hostname": "ws-ana",
            "manufacturer": "Dell",
            "model": "OptiPlex 7010",
            "ram_bytes": 16 * 2**30,
            "disks": [{"device": "/dev/sda", "size_bytes": 512 * 10**9}],
            "owner_id": ana.id,
            "purchase_date": "2024-05-01",
        },
    )
    pc = ok(got, 201)
    assert got.headers["location"] == f"/inventory/assets/{pc['id']}"
    assert (pc["owner_id"], pc["status"], pc["purchase_date"]) == (ana.id, "in_use", "2024-05-01")
    printer = _add(tech, "PRN-1", asset_type="printer", status="in_stock")

    for ref in (pc["id"], "PC-0042", "ws-ana"):
        assert ok(tech.get(f"/inventory/assets/{ref}"))["id"] == pc["id"]
    assert [a["id"] for a in ok(tech.get("/inventory/assets"))] == [pc["id"], printer["id"]]
    assert [a["id"] for a in ok(tech.get("/inventory/assets", params={"limit": 1}))] == [pc["id"]]
    by_status = ok(tech.get("/inventory/assets", params={"status": "in_stock"}))
    assert [a["asset_tag"] for a in by_status] == ["PRN-1"]
    by_type = ok(tech.get("/inventory/assets", params={"asset_type": "desktop"}))
    assert [a["asset_tag"] for a in by_type] == ["PC-0042"]
    by_owner = ok(tech.get("/inventory/assets", params={"owner": "ana"}))
    assert [(a["asset_tag"], a["owner"]) for a in by_owner] == [("PC-0042", "ana")]

    handed = ok(tech.put("/inventory/assets/PRN-1/owner", json={"owner": "ana"}))
    assert (handed["owner_id"], handed["owner"]) == (ana.id, "ana")
    assert (
        ok(tech.put(f"/inventory/assets/{printer['id']}/owner", json={"owner": ana.id}))["owner_id"]
        == ana.id
    )
    assert ok(tech.put("/inventory/assets/PRN-1/owner", json={"owner": None}))["owner_id"] is None
    assert (
        ok(tech.put("/inventory/assets/PC-0042/status", json={"status": "retired"}))["status"]
        == "retired"
    )
    retired = ok(tech.get("/inventory/assets", params={"status": "retired"}))
    assert [a["asset_tag"] for a in retired] == ["PC-0042"]


def test_invalid_enums_and_oversized_text_are_422(admin: httpx.Client) -> None:
    _add(admin, "PC-1")
    wrong = admin.post("/inventory/assets", json={"asset_tag": "PC-2", "asset_type": "toaster"})
    assert invalid(wrong, "asset_type", "'toaster'", TYPES)
    assert invalid(admin.get("/inventory/assets", params={"status": "broken"}), "status", STATUSES)
    assert invalid(
        admin.get("/inventory/assets", params={"asset_type": "car"}), "asset_type", TYPES
    )
    assert invalid(
        admin.put("/inventory/assets/PC-1/status", json={"status": "stolen"}), "status", STATUSES
    )
    notes = admin.post(
        "/inventory/assets",
        json={"asset_tag": "PC-3", "asset_type": "other", "notes": "n" * 65_537},
    )
    assert invalid(notes, "notes") == "notes is too long (at most 65536 characters)"
    assert invalid(
        admin.post("/inventory/assets", json={"asset_tag": "T" * 65, "asset_type": "other"}),
        "asset_tag",
        "at most 64",
    )
    assert invalid(
        admin.post(
            "/inventory/assets", json={"asset_tag": "PC-4", "asset_type": "other", "os": "x\x00"}
        ),
        "os",
        "NUL",
    )
    assert invalid(admin.put("/inventory/assets/PC-1/owner", json={}), "owner", "required")
    assert [a["asset_tag"] for a in ok(admin.get("/inventory/assets"))] == ["PC-1"]


def test_unknown_items_and_owners_are_404_problems(admin: httpx.Client) -> None:
    _add(admin, "PC-1")
    for ref in ("PC-404", "987654", "99999999999999999999", "%00"):
        problem(admin.get(f"/inventory/assets/{ref}"), 404, NOT_FOUND)
    problem(admin.put("/inventory/assets/PC-404/status", json={"status": "lost"}), 404, NOT_FOUND)
    problem(admin.put("/inventory/assets/PC-404/owner", json={"owner": None}), 404, NOT_FOUND)
    problem(
        admin.put("/inventory/assets/PC-1/owner", json={"owner": "ghost"}), 404, "user-not-found"
    )
    problem(admin.get("/inventory/assets", params={"owner": "ghost"}), 404, "user-not-found")
    created = admin.post(
        "/inventory/assets", json={"asset_tag": "PC-2", "asset_type": "other", "owner_id": 987654}
    )
    problem(created, 404, "user-not-found")


def test_a_taken_asset_tag_conflicts(admin: httpx.Client) -> None:
    _add(admin, "PC-1", machine_id="abc123")
    body = problem(
        admin.post("/inventory/assets", json={"asset_tag": "PC-1", "asset_type": "other"}),
        409,
        "asset-tag-taken",
    )
    assert body["detail"] == "asset tag 'PC-1' is already in the inventory"
    same_machine = admin.post(
        "/inventory/assets",
        json={"asset_tag": "PC-2", "asset_type": "other", "machine_id": "abc123"},
    )
    problem(same_machine, 409, "asset-tag-taken")


def test_only_staff_see_the_inventory(api: Api) -> None:
    tech = api.as_new("tess", role="technician")
    item = _add(tech, "PC-1")
    eve = api.as_new("eve")
    agent = api.client(api.token(api.user("host1", role="admin"), kind=TokenKind.AGENT))
    for client in (eve, agent):
        problem(client.get("/inventory/assets"), 403, "forbidden")
        problem(client.get(f"/inventory/assets/{item['id']}"), 403, "forbidden")
        problem(
            client.post("/inventory/assets", json={"asset_tag": "X", "asset_type": "other"}),
            403,
            "forbidden",
        )
        problem(client.put("/inventory/assets/PC-1/owner", json={"owner": "eve"}), 403, "forbidden")
        problem(
            client.put("/inventory/assets/PC-1/status", json={"status": "lost"}), 403, "forbidden"
        )
    problem(api.client().get("/inventory/assets"), 401, "unauthenticated")
    assert ok(tech.get("/inventory/assets/PC-1")) == item  # nothing changed
