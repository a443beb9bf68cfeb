"""Asset tags holding '/' in the inventory routes, over real HTTP on SQLite and PostgreSQL.

``{ref}`` is a ``:path`` parameter: a tag such as ``LAP/2024/001`` is sent as is or
percent-encoded, also before the ``/owner`` and ``/status`` endings. A tag may not
itself end in ``/owner`` or ``/status``.
"""

from __future__ import annotations

import uuid
from urllib.parse import quote

import httpx

from itsm.accounts.models import TokenKind
from tests.e2e.api.support import invalid, ok, problem
from tests.e2e.api.test_diagnostics import report
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


def test_a_tag_may_not_end_in_a_route_s_ending(api: Api, admin: httpx.Client) -> None:
    """With a tag ``X/owner``, ``/inventory/assets/X/owner`` would be that item to GET
    and item ``X``'s owner to PUT: such tags are refused, naming what is not allowed."""
    x = ok(admin.post("/inventory/assets", json={"asset_tag": "X", "asset_type": "other"}), 201)
    for tag, ending in (
        ("X/owner", "/owner"),
        ("X/status", "/status"),
        ("LAP/2024/001/owner", "/owner"),
        (" X/status ", "/status"),  # stripped first, as every tag is
        ("/owner", "/owner"),
    ):
        got = admin.post("/inventory/assets", json={"asset_tag": tag, "asset_type": "other"})
        message = invalid(got, "asset_tag")
        assert message == (
            f"invalid asset_tag: {tag.strip()!r} ends in {ending!r}; a tag may not end in "
            "'/owner' or '/status', the endings of the API's routes that change an item"
        ), tag
    assert [a["asset_tag"] for a in ok(admin.get("/inventory/assets"))] == ["X"]

    # Item X is changed through those paths, and a lookalike tag changes nothing else.
    for tag in ("owner", "status", "X/owners", "X/Owner", "X/owner/1", "X-owner"):
        ok(admin.post("/inventory/assets", json={"asset_tag": tag, "asset_type": "other"}), 201)
    ana = api.user("ana")
    assert ok(admin.put("/inventory/assets/X/owner", json={"owner": "ana"}))["id"] == x["id"]
    assert ok(admin.put("/inventory/assets/X/status", json={"status": "lost"}))["id"] == x["id"]
    items = {a["asset_tag"]: a for a in ok(admin.get("/inventory/assets"))}
    assert (items["X"]["owner_id"], items["X"]["status"]) == (ana.id, "lost")
    assert all(a["owner_id"] is None for tag, a in items.items() if tag != "X")
    assert ok(admin.get("/inventory/assets/owner"))["asset_tag"] == "owner"
    assert (
        ok(admin.put("/inventory/assets/owner/status", json={"status": "lost"}))["id"]
        == (items["owner"]["id"])
    )


def test_a_reported_host_gets_no_tag_ending_in_a_route_s_ending(
    api: Api, admin: httpx.Client
) -> None:
    agent = api.client(api.token(api.user("agent-owner"), kind=TokenKind.AGENT))
    for hostname in ("odd/owner", "odd/status"):
        sent = ok(
            agent.post("/diagnostics/reports", json=[report(uuid.uuid4().hex, hostname=hostname)])
        )
        item = ok(admin.get(f"/inventory/assets/{sent['results'][0]['asset_id']}"))
        assert (item["hostname"], item["asset_tag"]) == (hostname, f"HOST-{hostname}-2")


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
