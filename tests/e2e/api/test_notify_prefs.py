"""Each person's notification preferences over real HTTP, on both databases."""

from __future__ import annotations

from tests.live_server import Api


def test_a_person_reads_and_changes_their_own_preferences(api: Api) -> None:
    ana = api.client(api.token(api.user("ana")))
    bob = api.client(api.token(api.user("bob")))
    got = ana.get("/me/notify-prefs")
    assert got.status_code == 200, got.text
    defaults = {(p["kind"], p["channel"]): p["enabled"] for p in got.json()}
    assert defaults[("comment", "email")] is True
    assert defaults[("comment", "push")] is True  # reaches subscribed browsers only
    put = ana.put(
        "/me/notify-prefs",
        json={"prefs": [{"kind": "comment", "channel": "email", "enabled": False}]},
    )
    assert put.status_code == 200, put.text
    after = {(p["kind"], p["channel"]): p["enabled"] for p in ana.get("/me/notify-prefs").json()}
    assert after == {**defaults, ("comment", "email"): False}
    theirs = {(p["kind"], p["channel"]): p["enabled"] for p in bob.get("/me/notify-prefs").json()}
    assert theirs == defaults  # one person's choice is theirs only


def test_an_unknown_kind_or_channel_is_refused_and_changes_nothing(api: Api) -> None:
    ana = api.client(api.token(api.user("ana")))
    before = ana.get("/me/notify-prefs").json()
    for wrong in (
        {"kind": "gossip", "channel": "email", "enabled": False},
        {"kind": "comment", "channel": "pigeon", "enabled": False},
    ):
        got = ana.put(
            "/me/notify-prefs",
            json={"prefs": [{"kind": "comment", "channel": "in_app", "enabled": False}, wrong]},
        )
        assert got.status_code == 422, got.text
    assert ana.get("/me/notify-prefs").json() == before
