"""The knowledge-base API over real HTTP on SQLite and PostgreSQL: drafts, views, search."""

from __future__ import annotations

from typing import Any

import httpx

from itsm.accounts.models import TokenKind
from itsm.kb.schemas import MAX_BODY_BYTES
from tests.e2e.api.support import invalid, ok, problem
from tests.live_server import Api

NOT_FOUND = "article-not-found"


def _write(client: httpx.Client, **fields: Any) -> dict[str, Any]:
    body = {"title": "Connect to the VPN", "body": "Install the VPN client.", "category": "network"}
    data: dict[str, Any] = ok(client.post("/kb/articles", json=body | fields), 201)
    return data


def test_staff_write_and_edit_articles_and_reading_counts_views(api: Api) -> None:
    tess = api.user("tess", role="technician")
    tech = api.client(api.token(tess))
    got = tech.post(
        "/kb/articles",
        json={
            "title": "  Free disk space ",
            "body": "Empty the **recycle bin**.",
            "category": "hardware",
            "tags": [" Disk", "disk", "WINDOWS"],
        },
    )
    article = ok(got, 201)
    assert got.headers["location"] == f"/kb/articles/{article['id']}"
    assert article["title"] == "Free disk space"
    assert article["tags"] == ["disk", "windows"]
    assert article["author_id"] == tess.id  # the caller, not something the body can claim
    assert (article["published"], article["views"]) == (True, 0)

    assert ok(tech.get(f"/kb/articles/{article['id']}"))["views"] == 1
    assert ok(tech.get(f"/kb/articles/{article['id']}"))["views"] == 2
    assert ok(tech.get("/kb/articles"))[0]["views"] == 2  # listing counts no view

    edited = ok(
        tech.patch(f"/kb/articles/{article['id']}", json={"title": "Free space", "tags": ["ssd"]})
    )
    assert (edited["title"], edited["tags"], edited["body"]) == (
        "Free space",
        ["ssd"],
        "Empty the **recycle bin**.",
    )
    assert ok(tech.patch(f"/kb/articles/{article['id']}", json={}))["title"] == "Free space"
    refused = tech.post(
        "/kb/articles", json={"title": "T", "body": "B", "category": "other", "author_id": 1}
    )
    assert invalid(refused, "author_id", "unknown field")


def test_search_ranks_matches_and_counts_them_all(admin: httpx.Client) -> None:
    best = _write(admin, title="VPN setup", body="Install the VPN client and sign in.")
    _write(admin, title="Printers", body="Printers on the VPN need the VPN driver.")
    _write(admin, title="Wi-Fi", body="Join CORP.", category="network")
    _write(admin, title="Contraseña olvidada", body="Usa el portal.", category="account")

    found = ok(admin.get("/kb/articles/search", params={"q": "vpn", "limit": 1}))
    assert (found["query"], found["total"]) == ("vpn", 2)
    assert [a["id"] for a in found["items"]] == [best["id"]]  # title matches weigh more
    assert found["items"][0]["score"] > 0
    accents = ok(admin.get("/kb/articles/search", params={"q": "CONTRASENA"}))
    assert [a["title"] for a in accents["items"]] == ["Contraseña olvidada"]
    none = ok(admin.get("/kb/articles/search", params={"q": "printer wifi"}))
    assert (none["total"], none["items"]) == (0, [])

    assert invalid(admin.get("/kb/articles/search"), "q", "required")
    no_words = admin.get("/kb/articles/search", params={"q": "?!"})
    assert "no words" in problem(no_words, 422, "invalid-input")["detail"]
    assert invalid(admin.get("/kb/articles/search", params={"q": "x", "limit": 0}), "limit")


def test_end_users_see_only_published_articles(api: Api) -> None:
    tech = api.as_new("tess", role="technician")
    eve = api.as_new("eve")
    public = _write(tech, title="VPN guide")
    draft = _write(tech, title="VPN draft", body="VPN notes", published=False)

    assert [a["id"] for a in ok(eve.get("/kb/articles"))] == [public["id"]]
    shown = ok(eve.get("/kb/articles", params={"published_only": False}))
    assert [a["id"] for a in shown] == [public["id"]]  # end users cannot ask for drafts
    found = ok(eve.get("/kb/articles/search", params={"q": "vpn"}))
    assert (found["total"], [a["id"] for a in found["items"]]) == (1, [public["id"]])
    # A draft is exactly as absent as an article that does not exist.
    hidden = problem(eve.get(f"/kb/articles/{draft['id']}"), 404, NOT_FOUND)
    assert hidden["detail"] == f"knowledge-base article '{draft['id']}' does not exist"
    assert ok(eve.get(f"/kb/articles/{public['id']}"))["views"] == 1

    staff = ok(tech.get("/kb/articles"))
    assert [a["id"] for a in staff] == [public["id"], draft["id"]]
    published = ok(tech.get("/kb/articles", params={"published_only": True}))
    assert [a["id"] for a in published] == [public["id"]]
    assert ok(tech.get("/kb/articles/search", params={"q": "vpn"}))["total"] == 2
    assert ok(tech.get(f"/kb/articles/{draft['id']}"))["views"] == 1  # eve's try did not count

    ok(tech.patch(f"/kb/articles/{draft['id']}", json={"published": True}))
    assert ok(eve.get(f"/kb/articles/{draft['id']}"))["published"] is True


def test_invalid_and_oversized_input_is_refused(admin: httpx.Client) -> None:
    article = _write(admin)
    wrong = admin.post("/kb/articles", json={"title": "T", "body": "B", "category": "printers"})
    assert invalid(wrong, "category", "'printers'", "hardware, software, network, account, other")
    assert invalid(
        admin.get("/kb/articles", params={"category": "printers"}), "category", "allowed"
    )
    assert invalid(
        admin.patch(f"/kb/articles/{article['id']}", json={"category": "x"}), "category", "allowed"
    )
    huge = "€" * (MAX_BODY_BYTES // 3 + 1)
    big = admin.post("/kb/articles", json={"title": "T", "body": huge, "category": "other"})
    assert "over 256 KiB" in invalid(big, "body")
    assert "over 256 KiB" in invalid(
        admin.patch(f"/kb/articles/{article['id']}", json={"body": huge}), "body"
    )
    long_title = admin.post(
        "/kb/articles", json={"title": "T" * 201, "body": "B", "category": "other"}
    )
    assert invalid(long_title, "title") == "title is too long (at most 200 characters)"
    assert invalid(
        admin.post(
            "/kb/articles",
            json={"title": "T", "body": "B", "category": "other", "tags": ["t" * 51]},
        ),
        "tags",
        "longer than 50",
    )
    assert invalid(admin.patch(f"/kb/articles/{article['id']}", json={"title": ""}), "title")
    assert invalid(
        admin.patch(f"/kb/articles/{article['id']}", json={"body": "a\x00b"}), "body", "NUL"
    )
    assert [a["title"] for a in ok(admin.get("/kb/articles"))] == ["Connect to the VPN"]


def test_unknown_articles_are_404_problems(admin: httpx.Client) -> None:
    for ref in ("987654", "99999999999999999999", "0", "-3"):
        body = problem(admin.get(f"/kb/articles/{ref}"), 404, NOT_FOUND)
        assert body["detail"] == f"knowledge-base article {ref!r} does not exist"
    problem(admin.patch("/kb/articles/987654", json={"title": "x"}), 404, NOT_FOUND)
    problem(admin.delete("/kb/articles/987654"), 404, NOT_FOUND)
    assert invalid(admin.get("/kb/articles/abc"), "article_id")


def test_only_staff_write_and_only_people_read(api: Api) -> None:
    tech = api.as_new("tess", role="technician")
    article = _write(tech)
    eve = api.as_new("eve")
    problem(
        eve.post("/kb/articles", json={"title": "T", "body": "B", "category": "other"}),
        403,
        "forbidden",
    )
    problem(eve.patch(f"/kb/articles/{article['id']}", json={"title": "Mine"}), 403, "forbidden")
    problem(eve.delete(f"/kb/articles/{article['id']}"), 403, "forbidden")
    agent = api.client(api.token(api.user("host1", role="technician"), kind=TokenKind.AGENT))
    problem(agent.get("/kb/articles"), 403, "forbidden")
    problem(agent.get(f"/kb/articles/{article['id']}"), 403, "forbidden")
    problem(api.client().get("/kb/articles/search", params={"q": "vpn"}), 401, "unauthenticated")
    assert ok(tech.get(f"/kb/articles/{article['id']}"))["title"] == "Connect to the VPN"


def test_people_vote_once_each_and_may_change_their_vote(api: Api) -> None:
    tech = api.as_new("tess", role="technician")
    eve, bob = api.as_new("eve"), api.as_new("bob")
    article = _write(tech)
    draft = _write(tech, title="VPN draft", published=False)
    url = f"/kb/articles/{article['id']}/vote"

    voted = ok(eve.post(url, json={"helpful": True}))
    assert (voted["id"], voted["helpful_yes"], voted["helpful_no"]) == (article["id"], 1, 0)
    assert ok(eve.post(url, json={"helpful": True}))["helpful_yes"] == 1  # still one vote
    assert (ok(bob.post(url, json={"helpful": False}))["helpful_no"]) == 1
    changed = ok(eve.post(url, json={"helpful": False}))
    assert (changed["helpful_yes"], changed["helpful_no"]) == (0, 2)
    assert ok(tech.get(f"/kb/articles/{article['id']}"))["helpful_no"] == 2

    # A draft is as absent to an end user as a missing article; staff may vote on it.
    hidden = problem(
        eve.post(f"/kb/articles/{draft['id']}/vote", json={"helpful": True}), 404, NOT_FOUND
    )
    assert hidden["detail"] == f"knowledge-base article '{draft['id']}' does not exist"
    problem(eve.post("/kb/articles/987654/vote", json={"helpful": True}), 404, NOT_FOUND)
    assert (
        ok(tech.post(f"/kb/articles/{draft['id']}/vote", json={"helpful": True}))["helpful_yes"]
        == 1
    )

    assert invalid(eve.post(url, json={}), "helpful", "required")
    assert invalid(eve.post(url, json={"helpful": "maybe"}), "helpful")
    assert invalid(eve.post(url, json={"helpful": True, "user_id": 1}), "user_id", "unknown field")
    agent = api.client(api.token(api.user("host1", role="technician"), kind=TokenKind.AGENT))
    problem(agent.post(url, json={"helpful": True}), 403, "forbidden")
    problem(api.client().post(url, json={"helpful": True}), 401, "unauthenticated")
    final = ok(tech.get(f"/kb/articles/{article['id']}"))
    assert (final["helpful_yes"], final["helpful_no"]) == (0, 2)

    # Deleting an article takes its votes with it; it is then gone for everyone.
    gone = tech.delete(f"/kb/articles/{article['id']}")
    assert (gone.status_code, gone.content) == (204, b"")
    problem(tech.get(f"/kb/articles/{article['id']}"), 404, NOT_FOUND)
    problem(tech.delete(f"/kb/articles/{article['id']}"), 404, NOT_FOUND)
    assert [a["id"] for a in ok(tech.get("/kb/articles"))] == [draft["id"]]


def test_tags_are_added_and_removed_or_replaced(admin: httpx.Client) -> None:
    article = _write(admin, tags=["vpn", "windows"])
    url = f"/kb/articles/{article['id']}"
    added = ok(admin.patch(url, json={"add_tags": ["MacOS", "vpn"], "remove_tags": ["windows"]}))
    assert added["tags"] == ["vpn", "macos"]
    assert ok(admin.patch(url, json={"remove_tags": ["absent"]}))["tags"] == ["vpn", "macos"]
    assert ok(admin.patch(url, json={"tags": ["only"]}))["tags"] == ["only"]
    mixed = admin.patch(url, json={"tags": ["a"], "remove_tags": ["only"]})
    assert "either tags" in problem(mixed, 422, "invalid-input")["detail"]
    both = admin.patch(url, json={"add_tags": ["x"], "remove_tags": ["X"]})
    assert "'x' is both added and removed" in problem(both, 422, "invalid-input")["detail"]
    assert invalid(admin.patch(url, json={"add_tags": ["t" * 51]}), "add_tags", "longer than 50")
    ok(admin.patch(url, json={"tags": [f"t{i}" for i in range(30)]}))
    over = problem(admin.patch(url, json={"add_tags": ["more"]}), 422, "invalid-input")
    assert over["detail"] == "an article has at most 30 tags; these changes make 31"
    assert len(ok(admin.get(url))["tags"]) == 30
