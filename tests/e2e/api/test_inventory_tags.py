"""Asset tags holding '/' in the inventory routes, over real HTTP on SQLite and PostgreSQL.

``{ref}`` is a ``:path`` parameter: a tag such as ``LAP/2024/001`` is sent as is or
percent-encoded, also before the ``/owner`` and ``/status`` endings.
"""

from __future__ import annotations

from urllib.parse import quote

import httpx

from tests.e2e.api.support import invalid, ok, problem
from tests.live_server import Api

TAG = "LAP/2024/001"


def test_every_inventory_route_takes_a_tag_with_slashes(api: Api, admin: httpx.Client) -> None:
    ana = api.user("ana")
    item = ok(
        admin.post(
            "/inventory/assets",
            json={"asset_tag": TAG, "asset_type": "laptop", "hostname": "lap-ana"},
        ),
        201,
    )
    other = ok(
        admin.post("/inventory/assets", json={"asset_tag": "LAP", "asset_type": "other"}), 201
    )
    encoded = quote(TAG, safe="")
    assert encoded == "LAP%2F2024%2F001"

    for ref in (TAG, encoded, str(item["id"]), "lap-ana"):
        assert ok(admin.get(f"/inventory/assets/{ref}"))["id"] == item["id"], ref
    assert ok(admin.get("/inventory/assets/LAP"))["id"] == other["id"]  # not a prefix match
    for ref in (TAG, encoded):
        handed = ok(admin.put(f"/inventory/assets/{ref}/owner", json={"owner": "ana"}))
        assert (handed["id"], handed["owner_id"]) == (item["id"], ana.id)
        status = ok(admin.put(f"/inventory/assets/{ref}/status", json={"status": "in_repair"}))
        assert (status["id"], status["status"]) == (item["id"], "in_repair")
    assert ok(admin.get("/inventory/assets/LAP"))["owner_id"] is None  # only the right item
    assert ok(admin.get("/inventory/assets/LAP"))["status"] == "in_use"

    # A tag that looks like a route's ending is read whole by GET.
    odd = ok(
        admin.post("/inventory/assets", json={"asset_tag": "X/owner", "asset_type": "other"}), 201
    )
    assert ok(admin.get("/inventory/assets/X/owner"))["id"] == odd["id"]
    ok(admin.put("/inventory/assets/X/owner/status", json={"status": "lost"}))
    assert ok(admin.get(f"/inventory/assets/{odd['id']}"))["status"] == "lost"


def test_tags_with_slashes_that_do_not_exist_are_404_and_empty_refs_422(
    admin: httpx.Client,
) -> None:
    for ref in ("LAP/2024/404", "LAP%2F2024%2F404", "a/b/c/d/e", "LAP/2024/001/"):
        body = problem(admin.get(f"/inventory/assets/{ref}"), 404, "asset-not-found")
        assert "does not exist" in body["detail"]
    problem(
        admin.put("/inventory/assets/LAP/2024/404/owner", json={"owner": None}),
        404,
        "asset-not-found",
    )
    problem(
        admin.put("/inventory/assets/LAP/2024/404/status", json={"status": "lost"}),
        404,
        "asset-not-found",
    )
    assert invalid(admin.put("/inventory/assets//status", json={"status": "lost"}), "ref")
    assert invalid(admin.get("/inventory/assets/" + "x/" * 200), "ref", "at most 255")
