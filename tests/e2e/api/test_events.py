"""``GET /api/v1/events``: live domain events over HTTP, filtered by role."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from tests import pg
from tests.e2e.api.event_stream import Event, events
from tests.e2e.cli import make_env, run
from tests.live_server import Api


def _ticket(requester_id: int) -> dict[str, object]:
    return {
        "title": "Printer jam",
        "description": "Paper stuck",
        "category": "hardware",
        "priority": "low",
        "requester_id": requester_id,
    }


def _told(seen: list[Event]) -> list[Event]:
    return [e for e in seen if e.name != "resync"]


def test_staff_hear_every_change_and_end_users_only_their_own_public_ones(api: Api) -> None:
    tech = api.user("tina", role="technician")
    alice = api.user("alice")
    bob = api.user("bob")
    staff = api.client(api.token(tech))
    as_alice = api.client(api.token(alice))
    with (
        events(api.base_url, api.token(tech)) as heard_by_staff,
        events(api.base_url, api.token(alice)) as heard_by_alice,
    ):
        theirs = staff.post("/tickets", json=_ticket(bob.id)).json()["id"]
        own = as_alice.post("/tickets", json=_ticket(alice.id)).json()["id"]
        note = {"body": "check the fuser", "is_internal": True}
        assert staff.post(f"/tickets/{own}/comments", json=note).status_code == 201
        reply = {"body": "on my way"}
        assert staff.post(f"/tickets/{own}/comments", json=reply).status_code == 201

        # a resync may come at any time (on SQLite: a commit seen before its own event)
        staff_saw = _told(heard_by_staff.until("ticket.commented", ticket_id=own, internal=None))
        alice_saw = _told(heard_by_alice.until("ticket.commented", ticket_id=own))

    assert [(e.name, e.data["ticket_id"]) for e in staff_saw] == [
        ("ticket.created", theirs),
        ("ticket.created", own),
        ("ticket.commented", own),
        ("ticket.commented", own),
    ]
    assert staff_saw[2].data["internal"] is True
    assert [(e.name, e.data) for e in alice_saw] == [
        (
            "ticket.created",
            {"kind": "ticket.created", "ticket_id": own, "requester_id": alice.id, "source": "api"},
        ),
        (
            "ticket.commented",
            {
                "kind": "ticket.commented",
                "ticket_id": own,
                "requester_id": alice.id,
                "source": "api",
            },
        ),
    ]


def test_people_tokens_and_articles_reach_staff_never_end_users(api: Api) -> None:
    root = api.user("root", role="admin")
    tech = api.user("tina", role="technician")
    alice = api.user("alice")
    admin = api.client(api.token(root))
    as_alice = api.client(api.token(alice))
    with (
        events(api.base_url, api.token(root)) as heard_by_admin,
        events(api.base_url, api.token(tech)) as heard_by_tech,
        events(api.base_url, api.token(alice)) as heard_by_alice,
    ):
        made = admin.post("/users", json={"username": "bob", "full_name": "Bob"}).json()["id"]
        token = admin.post("/tokens", json={"name": "x", "user": "bob"}).json()["id"]
        article = {"title": "VPN", "body": "Reconnect.", "category": "network"}
        assert admin.post("/kb/articles", json=article).status_code == 201
        own = as_alice.post("/tickets", json=_ticket(alice.id)).json()["id"]

        admin_saw = _told(heard_by_admin.until("ticket.created", ticket_id=own))
        tech_saw = _told(heard_by_tech.until("ticket.created", ticket_id=own))
        alice_saw = _told(heard_by_alice.until("ticket.created", ticket_id=own))

    # the streams' own tokens, made through the test's database: heard on PostgreSQL only
    admin_saw = [e for e in admin_saw if e.data.get("user_id") not in (tech.id, alice.id)]
    assert [e.name for e in admin_saw] == [
        "user.created",
        "token.created",
        "article.created",
        "ticket.created",
    ]
    assert admin_saw[0].data == {
        "kind": "user.created",
        "user_id": made,
        "role": "user",
        "actor_id": root.id,
    }
    assert admin_saw[1].data == {
        "kind": "token.created",
        "token_id": token,
        "user_id": made,
        "actor_id": root.id,
    }
    # a technician hears of people and articles, of no one else's token
    assert [e.name for e in tech_saw] == ["user.created", "article.created", "ticket.created"]
    assert [e.name for e in alice_saw] == ["ticket.created"]


def test_the_stream_needs_a_person_token(api: Api) -> None:
    assert api.client().get("/events").status_code == 401


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_lost_listener_comes_back_and_says_resync(api: Api) -> None:
    """The server's LISTEN connection killed by the database: the streams are told to read
    everything again, and the changes after it are streamed as before."""
    tech = api.user("tina", role="technician")
    staff = api.client(api.token(tech))
    database = make_url(api.settings.effective_database_url).database
    with events(api.base_url, api.token(tech)) as heard:
        with pg.admin() as conn:
            ended = conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND application_name = 'itsm-listen'",
                (database,),
            ).fetchall()
        assert ended == [(True,)]
        heard.until("resync")
        created = staff.post("/tickets", json=_ticket(tech.id)).json()["id"]
        heard.until("ticket.created", ticket_id=created)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_on_sqlite_another_process_change_says_resync(api: Api) -> None:
    """The CLI's change reaches no server's events on SQLite: the streams read again."""
    tech = api.user("tina", role="technician")
    env = make_env(api.settings.effective_database_url)
    with events(api.base_url, api.token(tech)) as heard:
        created = run("ticket", "create", "Jam", "Stuck", "hardware", "low", str(tech.id), env=env)
        assert created.returncode == 0, created.stderr
        assert [e.name for e in heard.until("resync")] == ["resync"]


def test_a_watcher_hears_the_tickets_public_changes_as_its_requester_does(api: Api) -> None:
    """Seeing a ticket is the one visibility rule: copied on it, an end user hears its
    public changes on the stream (never its internal notes), and stops when removed."""
    tech = api.user("tina", role="technician")
    alice = api.user("alice")
    bob = api.user("bob")
    staff = api.client(api.token(tech))
    alices = staff.post("/tickets", json=_ticket(alice.id)).json()["id"]
    with events(api.base_url, api.token(bob)) as heard_by_bob:
        before = {"body": "told to alice only"}
        assert staff.post(f"/tickets/{alices}/comments", json=before).status_code == 201
        added = staff.post(f"/tickets/{alices}/watchers", json={"user": "bob"})
        assert added.status_code == 201, added.text
        note = {"body": "check the fuser", "is_internal": True}
        assert staff.post(f"/tickets/{alices}/comments", json=note).status_code == 201
        assert staff.post(f"/tickets/{alices}/comments", json={"body": "fixed"}).status_code == 201
        assert staff.delete(f"/tickets/{alices}/watchers/bob").status_code == 204
        after = {"body": "bob is no longer told"}
        assert staff.post(f"/tickets/{alices}/comments", json=after).status_code == 201
        # bob's own ticket, last: once heard, everything before it was decided
        own = api.client(api.token(bob)).post("/tickets", json=_ticket(bob.id)).json()["id"]
        bob_saw = _told(heard_by_bob.until("ticket.created", ticket_id=own))

    assert [(e.name, e.data["ticket_id"], e.data.get("internal")) for e in bob_saw] == [
        ("ticket.watcher_added", alices, None),
        ("ticket.commented", alices, None),
        ("ticket.created", own, None),
    ]
