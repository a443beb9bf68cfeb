"""The email channel against a real SMTP server (aiosmtpd): headers, threading, texts,
TLS and logins, and what a refusing or absent server does to the message."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from itsm.config import Settings, load_settings
from itsm.db.runtime import Database, open_database
from itsm.errors import ConfigError
from itsm.notify import fanout
from itsm.notify.config import EmailSettings, SmtpSettings
from itsm.notify.models import Channel, OutboxMessage, OutboxState
from itsm.notify.worker import Worker
from itsm.tickets import service as tickets
from itsm.tickets.schemas import CommentCreate
from tests.factories import make_ticket, make_user
from tests.smtp_server import certificate, free_port, smtp_server


@contextmanager
def _desk(settings: Settings, port: int, **smtp: Any) -> Iterator[Database]:
    """The database, with email going to 127.0.0.1:``port``."""
    templates = smtp.pop("templates_dir", None)
    mail = EmailSettings(
        smtp=SmtpSettings(host="127.0.0.1", port=port, **{"security": "none", **smtp}),
        from_address="desk@example.org",
        from_name="Soporte TI",
        reply_to="help@example.org",
        base_url="https://desk.example.org",
        templates_dir=templates,
    )
    db = open_database(settings.model_copy(update={"email": mail}))
    try:
        yield db
    finally:
        db.dispose()


def _email_rows(db: Database) -> list[OutboxMessage]:
    fanout.expand(db)  # the worker's first step: the told events' messages
    with db.session(write=False) as session:
        query = select(OutboxMessage).where(OutboxMessage.channel == Channel.EMAIL)
        return list(session.scalars(query.order_by(OutboxMessage.id)))


def _to(box_received: list[EmailMessage], address: str) -> list[EmailMessage]:
    return [m for m in box_received if address in str(m["To"])]


def test_a_ticket_confirmation_is_a_threaded_bilingual_multipart_email(settings: Settings) -> None:
    with smtp_server() as (box, port), _desk(settings, port) as db:
        with db.session() as session:
            tech = make_user(session, role="technician", email="tina@example.org")
            tech.language = "en"
            ana = make_user(session, full_name="Ana Pérez", email="ana@example.org")
            ticket = make_ticket(
                session, requester=ana, actor=ana, title="Impresora <script>\r\nBcc: x@evil.org"
            )
        assert Worker(db).run(once=True).sent == 4  # email and in-app, to each
        rows = {r.recipient_id: r for r in _email_rows(db)}
        confirmation = _to(box.received, "ana@example.org")[0]
        assert confirmation["Subject"] == f"[{ticket.number}] Impresora <script> Bcc: x@evil.org"
        assert confirmation["Bcc"] is None
        assert confirmation["From"] == "Soporte TI <desk@example.org>"
        assert str(confirmation["To"]) == "Ana Pérez <ana@example.org>"
        assert confirmation["Reply-To"] == "help@example.org"
        assert confirmation["Message-ID"] == f"<{rows[ana.id].token}@example.org>"
        assert confirmation["In-Reply-To"] == f"<ticket-{ticket.number}@example.org>"
        assert confirmation["References"] == f"<ticket-{ticket.number}@example.org>"
        assert confirmation["Auto-Submitted"] == "auto-generated"
        assert confirmation["Content-Language"] == "es"
        text = confirmation.get_body(preferencelist=("plain",))
        html = confirmation.get_body(preferencelist=("html",))
        assert text is not None
        assert html is not None
        plain, markup = text.get_content(), html.get_content()
        assert "Hola, Ana Pérez:" in plain
        assert f"Hemos recibido su incidencia {ticket.number}" in plain
        assert f"https://desk.example.org/tickets/{ticket.number}" in plain
        assert "Responda a este correo" in plain
        assert "<script>" not in markup
        assert "Impresora &lt;script&gt;" in markup
        staff = _to(box.received, "tina@example.org")[0]
        assert staff["Content-Language"] == "en"
        body = staff.get_body(preferencelist=("plain",))
        assert body is not None
        assert f"New unassigned ticket {ticket.number}" in body.get_content()
        assert box.envelopes[0][0] == "desk@example.org"
        assert {r.state for r in rows.values()} == {OutboxState.SENT}


def test_a_reply_threads_under_the_previous_message_and_never_carries_a_note(
    settings: Settings,
) -> None:
    with smtp_server() as (box, port), _desk(settings, port) as db:
        with db.session() as session:
            tech = make_user(session, role="technician", email="tina@example.org")
            ana = make_user(session, email="ana@example.org")
            ticket = make_ticket(session, requester=ana, actor=ana)
        Worker(db).run(once=True)
        with db.session() as session:
            reply = CommentCreate(body="Reinicie la impresora, por favor.")
            tickets.add_comment(session, ref=ticket.id, data=reply, actor=tech)
        with db.session() as session:
            note = CommentCreate(body="SECRET: the vendor owes us", is_internal=True)
            tickets.add_comment(session, ref=ticket.id, data=note, actor=tech)
        Worker(db).run(once=True)
        to_ana = _to(box.received, "ana@example.org")
        assert len(to_ana) == 2
        first, second = to_ana
        assert second["Subject"] == f"Re: {first['Subject']}"
        assert second["In-Reply-To"] == first["Message-ID"]
        assert second["References"] == f"<ticket-{ticket.number}@example.org> {first['Message-ID']}"
        assert second["Message-ID"] != first["Message-ID"]
        body = second.get_body(preferencelist=("plain",))
        assert body is not None
        assert "Reinicie la impresora, por favor." in body.get_content()
        everything = "".join(m.as_string() for m in box.received)
        assert "SECRET" not in everything


def test_a_refused_recipient_is_given_up_and_a_deferred_one_retried(settings: Settings) -> None:
    with smtp_server() as (box, port), _desk(settings, port) as db:
        box.answers["gone@example.org"] = "550 5.1.1 no such user"
        box.answers["full@example.org"] = "452 4.2.2 mailbox full"
        with db.session() as session:
            gone = make_user(session, role="technician", email="gone@example.org")
            full = make_user(session, role="technician", email="full@example.org")
            ok = make_user(session, role="technician", email="ok@example.org")
            make_ticket(session)
        Worker(db).run(once=True)
        state = {r.recipient_id: (r.state, r.last_error) for r in _email_rows(db)}
        assert state[gone.id][0] == OutboxState.DEAD
        assert "550 5.1.1 no such user" in str(state[gone.id][1])
        assert state[full.id][0] == OutboxState.PENDING
        assert "452 4.2.2 mailbox full" in str(state[full.id][1])
        assert state[ok.id] == (OutboxState.SENT, None)
        assert len(_to(box.received, "ok@example.org")) == 1


def test_a_server_that_is_away_keeps_the_messages_for_later(settings: Settings) -> None:
    with _desk(settings, free_port()) as db:
        with db.session() as session:
            make_user(session, role="technician", email="tina@example.org")
            make_ticket(session)
        tally = Worker(db).run(once=True)
        assert tally.retried == 1
        [row] = _email_rows(db)
        assert row.state == OutboxState.PENDING
        assert row.last_error is not None
        assert row.last_error.startswith("SMTP server 127.0.0.1:")
        assert "ConnectionRefusedError" in row.last_error


def test_starttls_with_a_login_delivers_and_a_wrong_password_waits(
    settings: Settings, tmp_path: Path
) -> None:
    cert, key = certificate(tmp_path)
    with smtp_server(tls=(cert, key), login=True) as (box, port):
        secure = {"security": "starttls", "ca_file": cert, "username": "desk"}
        with _desk(settings, port, **secure, password="wrong") as db:
            with db.session() as session:
                make_user(session, role="technician", email="tina@example.org")
                make_ticket(session)
            assert Worker(db).run(once=True).retried == 1
            [row] = _email_rows(db)
            assert "refused the login: 535" in str(row.last_error)
        with _desk(settings, port, **secure, password="s3cret") as db:
            with db.session() as session:
                again = session.get(OutboxMessage, row.id)
                assert again is not None
                again.available_at = again.created_at  # due again now
            assert Worker(db).run(once=True).sent == 1
        assert box.logins == ["desk"]
        assert len(box.received) == 1
    with smtp_server() as (_plain, port), _desk(settings, port, security="starttls") as db:
        with db.session() as session:
            make_user(session, role="technician", email="tina@example.org")
            make_ticket(session)
        Worker(db).run(once=True)
        errors = {r.last_error for r in _email_rows(db)}
        assert any("does not offer STARTTLS" in str(e) for e in errors)


def test_implicit_tls_delivers(settings: Settings, tmp_path: Path) -> None:
    cert, key = certificate(tmp_path)
    with smtp_server(tls=(cert, key), implicit_tls=True) as (box, port):
        with _desk(settings, port, security="tls", ca_file=cert) as db:
            with db.session() as session:
                make_user(session, role="technician", email="tina@example.org")
                make_ticket(session)
            assert Worker(db).run(once=True).sent == 3  # tina: email, in-app; requester: in-app
        assert len(box.received) == 1


def test_an_administrator_overrides_a_template(settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "email").mkdir()
    (tmp_path / "email" / "message.txt").write_text("ACME desk: {{ summary }}\n")
    with smtp_server() as (box, port), _desk(settings, port, templates_dir=tmp_path) as db:
        with db.session() as session:
            make_user(session, role="technician", email="tina@example.org")
            ticket = make_ticket(session)
        Worker(db).run(once=True)
    body = box.received[0].get_body(preferencelist=("plain",))
    assert body is not None
    assert (
        body.get_content().replace("\r\n", "\n")
        == f"ACME desk: Nueva incidencia sin asignar {ticket.number}: {ticket.title}\n"
    )


@pytest.mark.parametrize(
    ("key", "value", "said"),
    [
        ("from_address", "not an address", "email.from_address"),
        ("reply_to", "a@b.c\r\nBcc: x@y.z", "email.reply_to"),
        ("base_url", "javascript:alert(1)", "email.base_url"),
    ],
)
def test_a_wrong_email_setting_names_its_key(key: str, value: str, said: str) -> None:
    with pytest.raises(ConfigError, match=said.replace(".", r"\.")):
        load_settings(email={key: value})
