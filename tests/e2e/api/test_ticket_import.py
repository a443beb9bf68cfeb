"""``POST /api/v1/tickets/import`` over real HTTP on both databases: the CLI's import
(same service, checks and answer), idempotent by ``external_id``, all or nothing
unless ``skip_invalid``, for staff only."""

from __future__ import annotations

import json

import httpx

from itsm.diagnostics.autoticket import agent_user
from tests.e2e.api.support import ok, problem
from tests.live_server import Api

CSV = (
    "title,category,requester,external_id\n"
    "Printer jammed,hardware,ana,OLD-1\n"
    "VPN drops,network,ana,OLD-2\n"
)


def _post(client: httpx.Client, body: str, media: str, **params: str) -> httpx.Response:
    return client.post(
        "/tickets/import", content=body.encode(), headers={"Content-Type": media}, params=params
    )


def _count(client: httpx.Client) -> int:
    return len(ok(client.get("/tickets", params={"limit": "100"}))["items"])


def test_staff_import_a_csv_body_once(api: Api, admin: httpx.Client) -> None:
    api.user("ana")
    first = ok(_post(admin, CSV, "text/csv"))
    assert (first["imported"], first["already_present"], first["skipped"]) == (2, 0, 0)
    assert first["first_number"] != first["last_number"]
    assert first["skipped_rows"] == []
    found = {t["external_id"]: t["title"] for t in ok(admin.get("/tickets"))["items"]}
    assert found == {"OLD-1": "Printer jammed", "OLD-2": "VPN drops"}
    # The same file again creates nothing: every row is already present.
    again = ok(_post(admin, CSV, "text/csv; charset=utf-8"))
    assert (again["imported"], again["already_present"]) == (0, 2)
    assert _count(admin) == 2


def test_invalid_rows_stop_it_all_unless_skipped(api: Api, admin: httpx.Client) -> None:
    api.user("ana")
    tech = api.as_new("tess", role="technician")
    with api.session() as session:
        agent_user(session, "itsm-agent")
    rows = [
        {"title": "Disk full", "category": "hardware", "requester": "ana"},
        {"title": "Wrong", "category": "furniture", "requester": "ana"},
        {"title": "Agent's", "category": "other", "requester": "ana", "assignee": "itsm-agent"},
    ]
    body = "".join(json.dumps(r) + "\n" for r in rows)
    refused = problem(_post(tech, body, "application/x-ndjson"), 422, "import-rejected")
    assert refused["detail"] == (
        "2 invalid rows; nothing imported (use skip_invalid=true to import the valid ones)"
    )
    assert refused["invalid"] == 2
    assert [r["line"] for r in refused["rows"]] == [2, 3]
    assert "furniture" in refused["rows"][0]["reason"]
    assert refused["rows"][1]["reason"] == (
        "assignee: 'itsm-agent' is the diagnostics agent's account and cannot be assigned "
        "tickets; give a technician or admin"
    )
    assert _count(admin) == 0  # nothing half-written
    # The format may be named instead of sent as the media type.
    done = ok(_post(tech, body, "text/plain", format="jsonl", skip_invalid="true"))
    assert (done["imported"], done["skipped"]) == (1, 2)
    assert [r["line"] for r in done["skipped_rows"]] == [2, 3]
    assert _count(admin) == 1


def test_bad_requests_get_one_clear_answer(api: Api, admin: httpx.Client) -> None:
    ana = api.user("ana")
    end_user = api.client(api.token(ana))
    problem(_post(end_user, CSV, "text/csv"), 403, "forbidden")
    unknown = problem(_post(admin, CSV, "text/plain"), 422, "invalid-input")
    assert unknown["detail"] == (
        "cannot tell the format from Content-Type 'text/plain'; give format=csv or "
        "format=jsonl, or send text/csv or application/x-ndjson"
    )
    header = problem(_post(admin, "name,colour\nx,y\n", "text/csv"), 422, "import-rejected")
    assert header["detail"] == "the header of the body is not usable; nothing imported"
    assert header["rows"][0]["line"] == 1
    too_big = _post(admin, "x" * (api.settings.api.max_body_bytes + 1), "text/csv")
    problem(too_big, 413, "payload-too-large")
    assert _count(admin) == 0
