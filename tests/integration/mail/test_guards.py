"""Email in, the review's gaps, against a real Dovecot on both databases: a guessed
Message-ID opens no door, a reused Message-ID loses no mail, a long one threads, the
Cc of a new request watch its ticket, and people are found by email through an index."""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from itsm.db.runtime import Database
from itsm.mail.config import MailSettings
from itsm.mail.fetch import fetch_once, summary
from itsm.mail.models import MailMessage, Outcome
from itsm.notify.worker import Worker
from itsm.tickets import watchers
from itsm.tickets.models import Ticket, TicketComment
from itsm.users import service as users
from itsm.users.models import User
from tests.factories import make_user
from tests.imap_server import ImapServer
from tests.integration.mail.conftest import DeskFactory
from tests.integration.mail.corpus import deliver, mail
from tests.smtp_server import smtp_server


def _people(db: Database, *names: str) -> dict[str, User]:
    with db.session() as session:
        return {
            name: make_user(session, username=name, email=f"{name.capitalize()}@Example.org")
            for name in names
        }


def _tickets(db: Database) -> list[Ticket]:
    with db.session(write=False) as session:
        return list(session.scalars(select(Ticket).order_by(Ticket.id)))


def _comments(db: Database, ticket: Ticket) -> list[str]:
    with db.session(write=False) as session:
        return list(
            session.scalars(
                select(TicketComment.body)
                .where(TicketComment.ticket_id == ticket.id)
                .order_by(TicketComment.id)
            )
        )


def _watcher_names(db: Database, ticket: Ticket) -> list[str]:
    with db.session(write=False) as session:
        return [u.username for u in watchers.watchers_of(session, ticket)]


def test_a_guessed_message_id_makes_no_stranger_a_watcher_or_commenter(
    desk: DeskFactory, dovecot: ImapServer, mailbox: MailSettings
) -> None:
    with smtp_server() as (sent, port):
        db = desk(smtp_port=port)
        people = _people(db, "ana", "bob", "eve")
        first = mail(Cc="bob@example.org")
        deliver(dovecot, mailbox, first)
        fetch_once(db)
        Worker(db).run(once=True)
        [notice] = [m for m in sent.received if "ana@example.org" in str(m["To"]).lower()]
    [ticket] = _tickets(db)
    # Eve was sent neither: naming Ana's mail or the desk's notice to her gets her nothing.
    by_mail = mail(
        sender="eve@example.org",
        subject="Re: La impresora no imprime",
        body="Yo también quiero verla.",
        In_Reply_To=first["Message-ID"],
    )
    by_notice = mail(
        sender="eve@example.org",
        subject="Re: su incidencia",
        body="¿Y qué pasa?",
        In_Reply_To=notice["Message-ID"],
        References=f"{notice['References']} {notice['Message-ID']}",
    )
    deliver(dovecot, mailbox, by_mail, by_notice)
    assert fetch_once(db)[Outcome.TICKET] == 2
    assert _comments(db, ticket) == []
    assert _watcher_names(db, ticket) == ["bob"]  # copied on the first mail: its Cc
    assert [t.requester_id for t in _tickets(db)[1:]] == [people["eve"].id] * 2
    # Bob, a recipient of Ana's mail, replies to all: a comment, as before.
    reply_all = mail(
        sender="bob@example.org",
        subject="Re: La impresora no imprime",
        body="Aquí tampoco.",
        In_Reply_To=first["Message-ID"],
    )
    deliver(dovecot, mailbox, reply_all)
    assert fetch_once(db)[Outcome.COMMENT] == 1
    assert _comments(db, ticket) == ["Aquí tampoco."]


def test_a_reused_message_id_loses_no_mail_and_a_true_duplicate_is_skipped(
    desk: DeskFactory, dovecot: ImapServer, mailbox: MailSettings
) -> None:
    db = desk()
    _people(db, "ana", "bob")
    first = mail()
    first.replace_header("Message-ID", "<same@broken.example>")
    other = mail(subject="El escáner tampoco", body="Ni escanea.")
    other.replace_header("Message-ID", "<same@broken.example>")
    by_bob = mail(sender="bob@example.org", body=first.get_content())
    by_bob.replace_header("Message-ID", "<same@broken.example>")
    # The same mail delivered again, with a hop's header more: already handled.
    again = b"Received: from relay.example.net by mx.example.org\r\n" + first.as_bytes()
    deliver(dovecot, mailbox, first, other, by_bob)
    assert summary(fetch_once(db)).startswith("tickets 3,")
    deliver(dovecot, mailbox, again)
    assert fetch_once(db).total == 0
    assert [t.title for t in _tickets(db)] == [
        "La impresora no imprime",
        "El escáner tampoco",
        "La impresora no imprime",
    ]
    assert (dovecot.count(mailbox.folder), dovecot.count(mailbox.processed_folder)) == (0, 4)
    with db.session(write=False) as session:
        rows = session.scalar(select(func.count()).select_from(MailMessage))
    assert rows == 3


def test_a_message_id_longer_than_the_column_threads_a_reply(
    desk: DeskFactory, dovecot: ImapServer, mailbox: MailSettings
) -> None:
    db = desk()
    _people(db, "ana")
    long_id = "<" + "x" * 300 + "@mail.example.net>"
    first = mail()
    first.replace_header("Message-ID", long_id)
    deliver(dovecot, mailbox, first)
    fetch_once(db)
    [ticket] = _tickets(db)
    reply = mail(subject="Re: La impresora", body="Sigue igual.")
    reply["In-Reply-To"] = long_id
    reply["References"] = long_id
    deliver(dovecot, mailbox, reply, first)  # and the first once more: a duplicate
    tally = fetch_once(db)
    assert (tally[Outcome.COMMENT], tally.total) == (1, 1)
    assert _comments(db, ticket) == ["Sigue igual."]
    assert len(_tickets(db)) == 1


def test_the_known_people_in_cc_of_a_new_request_watch_its_ticket(
    desk: DeskFactory, dovecot: ImapServer, mailbox: MailSettings
) -> None:
    db = desk()
    people = _people(db, "ana", "bob", "tina")
    with db.session() as session:
        users.deactivate(session, ref=people["tina"].id)
    letter = mail(
        sender="Ana <ana@example.org>",
        Cc=(
            "BOB@example.org, Ana <ana@example.org>, help@example.org, "
            "Desk <desk@example.org>, zoe@elsewhere.net, tina@example.org"
        ),
    )
    deliver(dovecot, mailbox, letter)
    assert fetch_once(db)[Outcome.TICKET] == 1
    [ticket] = _tickets(db)
    assert ticket.requester_id == people["ana"].id
    assert _watcher_names(db, ticket) == ["bob"]
    with db.session(write=False) as session:  # no account made for the stranger
        assert users.with_emails(session, addresses=["zoe@elsewhere.net"]) == []


def test_people_are_found_by_email_in_any_case_through_the_index(desk: DeskFactory) -> None:
    db = desk()
    people = _people(db, "ana", "bob")
    with db.session() as session:
        make_user(session, username="ana2", email="ANA@example.ORG")
    with db.session(write=False) as session:
        oldest = users.find_by_email(session, address=" ana@EXAMPLE.org ")
        assert oldest is not None
        assert oldest.id == people["ana"].id
        found = users.people_by_email(session, addresses=["Bob@example.org", "x@y.org"])
        assert {a: u.username for a, u in found.items()} == {"bob@example.org": "bob"}
        assert users.has_account(session, address="ANA@example.org")
        assert not users.has_account(session, address="nobody@example.org")
        plan = _plan(session, "SELECT id FROM users WHERE lower(email) IN ('ana@example.org')")
    assert "ix_users_email_lower" in plan


def _plan(session: Session, query: str) -> str:
    """The database's plan for ``query`` (PostgreSQL told to avoid a full scan, which it
    prefers on a table this small)."""
    if session.get_bind().dialect.name == "sqlite":
        rows = session.execute(text(f"EXPLAIN QUERY PLAN {query}")).all()
        return " ".join(str(r[-1]) for r in rows)
    session.execute(text("SET LOCAL enable_seqscan = off"))
    return " ".join(str(r[0]) for r in session.execute(text(f"EXPLAIN {query}")))
