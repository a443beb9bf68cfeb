"""GET/PUT /api/v1/users/{ref}/categories over real HTTP on both databases: set, read,
clear; bad input is one problem each, never a 500 (ids past PostgreSQL's INTEGER too)."""

from __future__ import annotations

import httpx

from itsm.db.ids import MAX_ID
from tests.e2e.api.support import invalid, ok, problem
from tests.live_server import Api


def test_admins_set_and_staff_read_categories(api: Api, admin: httpx.Client) -> None:
    tech = api.as_new("tere", role="technician")
    assert ok(tech.get("/users/tere/categories")) == {"username": "tere", "categories": []}
    body = {"categories": ["network", "hardware", "network"]}
    set_ = ok(admin.put("/users/tere/categories", json=body))
    assert set_ == {"username": "tere", "categories": ["hardware", "network"]}
    assert ok(tech.get("/users/tere/categories")) == set_
    problem(tech.put("/users/tere/categories", json={"categories": []}), 403, "forbidden")
    cleared = ok(admin.put("/users/tere/categories", json={"categories": []}))
    assert cleared["categories"] == []


def test_bad_category_input_is_one_clear_problem(api: Api, admin: httpx.Client) -> None:
    api.as_new("tere", role="technician")
    api.as_new("ana")
    invalid(
        admin.put("/users/tere/categories", json={"categories": ["printers"]}),
        "categories",
        "allowed",
    )
    invalid(admin.put("/users/tere/categories", json={}), "categories")
    problem(
        admin.put("/users/ana/categories", json={"categories": ["other"]}), 422, "not-a-technician"
    )
    for far in (MAX_ID + 1, 2**63):
        problem(admin.get(f"/users/{far}/categories"), 404, "user-not-found")
        problem(
            admin.put(f"/users/{far}/categories", json={"categories": []}), 404, "user-not-found"
        )
