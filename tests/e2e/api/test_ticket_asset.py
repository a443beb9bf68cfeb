"""PATCH a ticket's inventory link over HTTP: link, unlink with null, nulls refused elsewhere."""

from __future__ import annotations

import httpx
import pytest


def test_patch_links_and_unlinks_an_asset(admin: httpx.Client) -> None:
    asset = admin.post("/inventory/assets", json={"asset_tag": "PC-7", "asset_type": "laptop"})
    assert asset.status_code == 201, asset.text
    ticket = admin.post("/tickets", json={"title": "Fan noisy", "category": "hardware"}).json()
    ref = ticket["number"]
    linked = admin.patch(f"/tickets/{ref}", json={"asset_id": asset.json()["id"]})
    assert linked.status_code == 200, linked.text
    assert linked.json()["asset_id"] == asset.json()["id"]
    assert linked.json()["asset"] == "PC-7"  # named by its tag where a person reads it
    assert admin.get(f"/tickets/{ref}").json()["asset"] == "PC-7"
    unlinked = admin.patch(f"/tickets/{ref}", json={"asset_id": None})
    assert unlinked.status_code == 200, unlinked.text
    assert unlinked.json()["asset_id"] is None
    assert admin.get(f"/tickets/{ref}").json()["asset_id"] is None


@pytest.mark.parametrize("field", ["title", "category", "priority", "description"])
def test_patch_refuses_a_null_for_other_fields(admin: httpx.Client, field: str) -> None:
    ticket = admin.post("/tickets", json={"title": "Fan noisy", "category": "hardware"}).json()
    got = admin.patch(f"/tickets/{ticket['id']}", json={field: None})
    assert got.status_code == 422, got.text
    assert got.json()["errors"] == [
        {
            "field": field,
            "message": f"invalid {field}: must not be null; leave it out to keep the current value",
        }
    ]
    assert admin.get(f"/tickets/{ticket['id']}").json()["title"] == "Fan noisy"
