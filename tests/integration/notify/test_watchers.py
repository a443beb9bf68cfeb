"""Watchers are told what the requester is told, by a real SMTP server: staff replies
and pending/resolved (the rating link only for the requester), never internal notes;
a watcher's own reply goes to the assignee, not to whoever wrote last."""

from __future__ import annotations

from email.message import EmailMessage

from sqlalchemy import select

from itsm.config import Settings
from itsm.db.runtime import open_database
from itsm.notify import fanout
from itsm.notify.config import EmailSettings, SmtpSettings
from itsm.notify.models import Channel, NotifyKind, OutboxMessage
from itsm.notify.worker import Worker
from itsm.tickets import service as tickets
from itsm.tickets import watchers
from itsm.tickets.models import Status
from itsm.tickets.schemas import CommentCreate
from tests.factories import make_ticket, make_user
from tests.smtp_server import smtp_server

RATE = "rate the help you got"


def _plain(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def test_watchers_hear_staff_replies_and_statuses_but_no_notes(settings: Settings) -> None:
    with smtp_server() as (box, port):
        mail = EmailSettings(
            smtp=SmtpSettings(host="127.0.0.1", port=port, security="none"),
            from_address="desk@example.org",
            base_url="https://desk.example.org",
        )
        db = open_database(settings.model_copy(update={"email": mail}))
        try:
            with db.session() as session:
                tech = make_user(session, role="technician", email="tina@example.org")
                ana = make_user(session, email="ana@example.org")
                cora = make_user(session, email="cora@example.org")
                ana.language = cora.language = "en"
                ticket = make_ticket(session, requester=ana, actor=ana)
                tickets.assign(session, ref=ticket.id, assignee_ref=tech.id, actor=tech)
                watchers.add_watcher(session, ticket=ticket, user=cora, actor=ana)
            Worker(db).run(once=True)
            box.received.clear()
            with db.session() as session:
                note = CommentCreate(body="SECRET vendor issue", is_internal=True)
                tickets.add_comment(session, ref=ticket.id, data=note, actor=tech)
                reply = CommentCreate(body="Toner ordered.")
                tickets.add_comment(session, ref=ticket.id, data=reply, actor=tech)
            with db.session() as session:
                tickets.change_status(
                    session, ref=ticket.id, status=Status.RESOLVED, actor=tech, note="Done."
                )
            Worker(db).run(once=True)
            to: dict[str, list[str]] = {}
            for m in box.received:
                to.setdefault(m["To"].addresses[0].addr_spec, []).append(_plain(m))
            assert sorted(to) == ["ana@example.org", "cora@example.org"]
            for texts in to.values():
                assert len(texts) == 2
                assert "Toner ordered." in texts[0]
                assert all("SECRET" not in t for t in texts)
            assert RATE in to["ana@example.org"][1]
            assert RATE not in to["cora@example.org"][1]
            # The watcher's reply goes to the assignee, not to the requester.
            box.received.clear()
            with db.session() as session:
                mine = CommentCreate(body="Still jammed here too.")
                tickets.add_comment(session, ref=ticket.id, data=mine, actor=cora)
            fanout.expand(db)  # the worker's first step: the told events' messages
            with db.session(write=False) as session:
                rows = session.scalars(
                    select(OutboxMessage).where(OutboxMessage.kind == NotifyKind.COMMENT)
                ).all()
                last = sorted(
                    (r.recipient_id, r.channel) for r in rows if r.payload["actor_id"] == cora.id
                )
            assert last == sorted([(tech.id, Channel.EMAIL), (tech.id, Channel.IN_APP)])
        finally:
            db.dispose()
