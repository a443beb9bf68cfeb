"""``itsm worker``, ``itsm notify`` and ``/me/notifications``, ``/notify/failed`` for real."""

from __future__ import annotations

from sqlalchemy import update

from itsm.config import Settings
from itsm.db.runtime import open_database
from itsm.notify import fanout
from itsm.notify.models import Channel, OutboxMessage, OutboxState
from tests.e2e.cli import Cli
from tests.factories import make_ticket
from tests.live_server import live_api


def test_the_worker_delivers_and_people_read_their_notifications(cli: Cli) -> None:
    cli.ok("user", "add", "root", "Root", "--role", "admin")
    cli.ok("user", "add", "tina", "Tina Tech", "--role", "technician")
    cli.ok("user", "add", "ana", "Ana")
    cli.ok("--as", "ana", "ticket", "create", "Printer jams", "It jams.", "hardware")
    assert cli.json("--as", "tina", "notify", "list") == []
    assert cli.json("worker", "--once") == {"sent": 3, "retried": 0, "dead": 0}
    mine = cli.json("--as", "tina", "notify", "list")
    assert [(n["kind"], n["read"]) for n in mine] == [("new_ticket", False)]
    assert "Printer jams" in mine[0]["text"]
    shown = cli.ok("--as", "tina", "notify", "list", env={"COLUMNS": "200"})
    assert "Nueva incidencia sin asignar" in shown
    assert " new " in shown
    assert cli.ok("--as", "tina", "notify", "read", "--all") == "1 notification marked read.\n"
    assert cli.json("--as", "tina", "notify", "list", "--unread") == []
    assert cli.fail(3, "--as", "tina", "notify", "read") == (
        "error: name notification ids or --all (not both)"
    )
    assert cli.ok("worker", "--once") == "sent 0, to retry 0, failed 0\n"


def test_admins_see_and_requeue_failed_deliveries(cli: Cli) -> None:
    cli.ok("user", "add", "root", "Root", "--role", "admin")
    cli.ok("user", "add", "tina", "Tina Tech", "--role", "technician")
    cli.ok("ticket", "create", "Disk full", "No space.", "hardware")
    url = cli.env["ITSM_DATABASE_URL"]
    db = open_database(Settings(database_url=url))
    try:
        fanout.expand(db)  # the worker's first step: the told events' messages
        with db.session() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.channel == Channel.IN_APP)
                .values(state=OutboxState.DEAD, last_error="550 \x1b[31mrefused", attempts=3)
            )
    finally:
        db.dispose()
    failed = cli.json("notify", "failed")
    assert [(f["channel"], f["attempts"]) for f in failed] == [("in_app", 3)] * len(failed)
    assert failed
    assert failed[0]["error"] == "550 \x1b[31mrefused"
    table = cli.ok("notify", "failed", env={"COLUMNS": "200"})
    assert "550 \\x1b[31mrefused" in table
    assert cli.fail(6, "--as", "tina", "notify", "failed").startswith("error: only admins")
    assert cli.fail(6, "--as", "tina", "notify", "retry", "--all").startswith("error: only admins")
    assert cli.json("notify", "retry", str(failed[0]["id"])) == {"requeued": 1}
    assert cli.json("worker", "--once")["sent"] == 1
    assert len(cli.json("notify", "failed")) == len(failed) - 1


def test_the_api_lists_marks_and_requeues(settings: Settings) -> None:
    with live_api(settings) as api:
        admin = api.as_new("root", role="admin")
        tech_user = api.user("tina", role="technician")
        tech = api.client(api.token(tech_user))
        with api.session() as session:
            make_ticket(session, title="Wi-Fi <down>")
            make_ticket(session, title="Mouse")
        assert tech.get("/me/notifications").json() == {
            "items": [],
            "unread": 0,
            "next_before": None,
        }
        from itsm.notify.worker import Worker

        assert Worker(api.db).run(once=True).sent == 6  # 2 requesters, 2 staff, 2 tickets
        page = tech.get("/me/notifications", params={"limit": 1}).json()
        assert page["unread"] == 2
        assert len(page["items"]) == 1
        assert page["items"][0]["text"].endswith(": Mouse")
        rest = tech.get("/me/notifications", params={"before": page["next_before"]}).json()
        assert rest["items"][0]["text"].endswith(": Wi-Fi <down>")
        assert rest["next_before"] is None
        got = tech.post("/me/notifications/read", json={"ids": [page["items"][0]["id"]]})
        assert got.json() == {"marked_read": 1}
        assert tech.get("/me/notifications", params={"unread": True}).json()["unread"] == 1
        assert tech.post("/me/notifications/read", json={"ids": None}).json() == {"marked_read": 1}
        assert tech.post("/me/notifications/read", json={"idz": []}).status_code == 422
        assert tech.get("/notify/failed").status_code == 403
        assert admin.get("/notify/failed").json() == []
        with api.session() as session:
            session.execute(update(OutboxMessage).values(state=OutboxState.DEAD, last_error="x"))
        failed = admin.get("/notify/failed", params={"limit": 500}).json()
        assert len(failed) >= 6
        assert failed[0]["last_error"] == "x"
        assert tech.post("/notify/failed/retry", json={"ids": None}).status_code == 403
        assert admin.post("/notify/failed/retry", json={"ids": None}).json() == {
            "requeued": len(failed)
        }
