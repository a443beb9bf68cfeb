"""Mails from a real Dovecot into tickets and comments, on both databases: new tickets,
the threading rules (tag, notification, own first mail, forwards), strangers, machines,
storms, broken and oversized mails, and a crash between commit and move."""

from __future__ import annotations

from sqlalchemy import func, select

from itsm.attachments.models import Attachment
from itsm.attachments.storage import Store
from itsm.db.runtime import Database
from itsm.mail import intake
from itsm.mail.config import MailSettings
from itsm.mail.fetch import fetch_once, summary
from itsm.mail.models import MailMessage, Outcome
from itsm.notify.worker import Worker
from itsm.tickets import service as tickets
from itsm.tickets import watchers, workflow
from itsm.tickets.models import Source, Status, Ticket, TicketComment
from itsm.users import service as users
from itsm.users.models import User
from tests.factories import make_user
from tests.imap_server import ImapServer
from tests.integration.mail.conftest import DeskFactory
from tests.integration.mail.corpus import deliver, mail
from tests.smtp_server import smtp_server


def _people(db: Database) -> dict[str, User]:
    with db.session() as session:
        ana = make_user(session, username="ana", full_name="Ana Pérez", email="Ana@Example.org")
        tina = make_user(session, username="tina", role="technician", email="tina@example.org")
    return {"ana": ana, "tina": tina}


def _tickets(db: Database) -> list[Ticket]:
    with db.session(write=False) as session:
        return list(session.scalars(select(Ticket).order_by(Ticket.id)))


def _comments(db: Database, ticket: Ticket) -> list[str]:
    with db.session(write=False) as session:
        rows = session.scalars(
            select(TicketComment.body)
            .where(TicketComment.ticket_id == ticket.id)
            .order_by(TicketComment.id)
        )
        return list(rows)


def test_a_known_sender_opens_a_ticket_with_its_files_and_the_mail_is_moved(
    desk: DeskFactory, dovecot: ImapServer, mailbox: MailSettings
) -> None:
    db = desk()
    people = _people(db)
    letter = mail(sender="Ana Pérez <ANA@example.org>")
    letter.add_attachment(b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image", "png", filename="foto.png")
    deliver(dovecot, mailbox, letter)
    tally = fetch_once(db)
    assert summary(tally) == "tickets 1, comments 0, refused 0, ignored 0, quarantined 0"
    [ticket] = _tickets(db)
    assert ticket.requester_id == people["ana"].id
    assert ticket.source == Source.EMAIL
    assert ticket.title == "La impresora no imprime"
    assert "segundo piso no imprime" in ticket.description
    with db.session(write=False) as session:
        files = session.scalars(select(Attachment).where(Attachment.ticket_id == ticket.id))
        assert [(f.filename, f.media_type) for f in files] == [("foto.png", "image/png")]
    assert dovecot.count(mailbox.folder) == 0
    assert dovecot.count(mailbox.processed_folder) == 1
    assert summary(fetch_once(db)).startswith("tickets 0,")


def test_a_reply_by_tag_is_a_comment_that_reopens_a_pending_ticket(
    desk: DeskFactory, dovecot: ImapServer, mailbox: MailSettings
) -> None:
    db = desk()
    people = _people(db)
    deliver(dovecot, mailbox, mail())
    fetch_once(db)
    [ticket] = _tickets(db)
    with db.session() as session:
        tickets.change_status(
            session, ref=ticket.id, status=Status.PENDING, actor=people["tina"], sla=db.settings.sla
        )
    reply = mail(
        subject=f"RE: [{ticket.number}] La impresora no imprime",
        body=(
            "Ya la he reiniciado y sigue igual.\n\n"
            "El lun, Soporte escribió:\n> ¿Puede reiniciarla?\n"
        ),
    )
    deliver(dovecot, mailbox, reply)
    assert fetch_once(db)[Outcome.COMMENT] == 1
    assert _comments(db, ticket)[-1] == "Ya la he reiniciado y sigue igual."
    assert _tickets(db)[0].status == Status.OPEN


def test_a_reply_to_a_notification_threads_by_its_message_id(
    desk: DeskFactory, dovecot: ImapServer, mailbox: MailSettings
) -> None:
    with smtp_server() as (sent, port):
        db = desk(smtp_port=port)
        _people(db)
        deliver(dovecot, mailbox, mail())
        fetch_once(db)
        Worker(db).run(once=True)
        [confirmation] = [m for m in sent.received if "ana@example.org" in str(m["To"]).lower()]
        reply = mail(subject="Re: su incidencia", body="Gracias, espero noticias.")
        reply["In-Reply-To"] = confirmation["Message-ID"]
        reply["References"] = f"{confirmation['References']} {confirmation['Message-ID']}"
        deliver(dovecot, mailbox, reply)
        assert fetch_once(db)[Outcome.COMMENT] == 1
    [ticket] = _tickets(db)
    assert _comments(db, ticket) == ["Gracias, espero noticias."]


def test_a_reply_to_ones_own_first_mail_is_a_comment_and_a_forward_a_new_ticket(
    desk: DeskFactory, dovecot: ImapServer, mailbox: MailSettings
) -> None:
    db = desk()
    _people(db)
    first = mail()
    deliver(dovecot, mailbox, first)
    fetch_once(db)
    [ticket] = _tickets(db)
    again = mail(subject="Re: La impresora no imprime", body="Ahora tampoco escanea.")
    again["In-Reply-To"] = first["Message-ID"]
    again["References"] = first["Message-ID"]
    forward = mail(
        subject=f"Fwd: [{ticket.number}] La impresora no imprime",
        body="---------- Forwarded message ---------\nLa impresora no imprime.",
    )
    deliver(dovecot, mailbox, again, forward)
    tally = fetch_once(db)
    assert (tally[Outcome.COMMENT], tally[Outcome.TICKET]) == (1, 1)
    assert _comments(db, ticket) == ["Ahora tampoco escanea."]
    assert [t.title for t in _tickets(db)][1] == forward["Subject"]


def test_a_reply_to_a_merged_duplicate_goes_to_the_ticket_it_was_merged_into(
    desk: DeskFactory, dovecot: ImapServer, mailbox: MailSettings
) -> None:
    db = desk()
    people = _people(db)
    deliver(dovecot, mailbox, mail())
    deliver(dovecot, mailbox, mail(subject="Otra vez la impresora"))
    fetch_once(db)
    first, second = _tickets(db)
    with db.session() as session:
        workflow.merge(session, duplicate_ref=second.id, target_ref=first.id, actor=people["tina"])
    reply = mail(subject=f"RE: [{second.number}] Otra vez", body="Sigue sin imprimir.")
    deliver(dovecot, mailbox, reply)
    assert fetch_once(db)[Outcome.COMMENT] == 1
    assert _comments(db, first)[-1] == "Sigue sin imprimir."
    assert "Sigue sin imprimir." not in _comments(db, second)
    assert [t.status for t in _tickets(db)] == [Status.OPEN, Status.CLOSED]


def test_a_tag_of_someone_elses_ticket_opens_a_new_one(
    desk: DeskFactory, dovecot: ImapServer, mailbox: MailSettings
) -> None:
    db = desk()
    _people(db)
    with db.session() as session:
        make_user(session, username="eva", email="eva@example.org")
    deliver(dovecot, mailbox, mail())
    fetch_once(db)
    [ticket] = _tickets(db)
    deliver(dovecot, mailbox, mail(sender="eva@example.org", subject=f"[{ticket.number}] hola"))
    assert fetch_once(db)[Outcome.TICKET] == 1
    assert _comments(db, ticket) == []


def test_strangers_are_refused_once_politely_or_made_end_users(
    desk: DeskFactory, dovecot: ImapServer, mailbox: MailSettings
) -> None:
    with smtp_server() as (sent, port):
        db = desk(smtp_port=port)
        deliver(dovecot, mailbox, mail(sender="Zoe <zoe@elsewhere.net>"))
        assert summary(fetch_once(db)) == (
            "tickets 0, comments 0, refused 1, ignored 0, quarantined 0"
        )
        [answer] = sent.received
        assert answer["To"] == "zoe@elsewhere.net"
        assert answer["Auto-Submitted"] == "auto-replied"
        assert answer["Subject"] == "Re: La impresora no imprime"
        text = answer.get_body(preferencelist=("plain",))
        assert text is not None
        assert "no ha abierto ninguna incidencia" in text.get_content()
        robot = mail(sender="robot@elsewhere.net", Auto_Submitted="auto-replied")
        deliver(dovecot, mailbox, robot)
        assert fetch_once(db)[Outcome.IGNORED] == 1
        assert len(sent.received) == 1  # never an answer to a machine
    assert _tickets(db) == []
    db = desk(unknown_senders="create")
    deliver(dovecot, mailbox, mail(sender="Zoe Ruiz <Zoe@Elsewhere.net>"))
    assert fetch_once(db)[Outcome.TICKET] == 1
    with db.session(write=False) as session:
        zoe = session.scalars(select(User).where(User.username == "zoe")).one()
        assert (zoe.full_name, zoe.email, zoe.role, zoe.password_hash) == (
            "Zoe Ruiz",
            "zoe@elsewhere.net",
            "user",
            None,
        )
    assert _tickets(db)[0].requester_id == zoe.id


def test_a_deactivated_persons_mail_is_ignored_never_a_new_account(
    desk: DeskFactory, dovecot: ImapServer, mailbox: MailSettings
) -> None:
    with smtp_server() as (sent, port):
        db = desk(smtp_port=port, unknown_senders="create")
        people = _people(db)
        with db.session() as session:
            users.deactivate(session, ref=people["ana"].id)
        deliver(dovecot, mailbox, mail(sender="Ana Pérez <ana@EXAMPLE.org>"))
        assert summary(fetch_once(db)) == (
            "tickets 0, comments 0, refused 0, ignored 1, quarantined 0"
        )
        assert sent.received == []  # not told, as a stranger would be
    assert _tickets(db) == []
    with db.session(write=False) as session:
        named = session.scalars(
            select(User.username).where(func.lower(User.email) == "ana@example.org")
        )
        assert list(named) == ["ana"]
    assert dovecot.count(mailbox.processed_folder) == 1


def test_autoreplies_never_comment_and_a_storm_is_cut_at_the_rate(
    desk: DeskFactory, dovecot: ImapServer, mailbox: MailSettings
) -> None:
    db = desk(max_per_sender_per_hour=2)
    _people(db)
    deliver(dovecot, mailbox, mail())
    fetch_once(db)
    [ticket] = _tickets(db)
    away = mail(subject=f"Fuera de la oficina: [{ticket.number}]", Auto_Submitted="auto-replied")
    deliver(dovecot, mailbox, away, mail(subject="dos"), mail(subject="tres"))
    assert summary(fetch_once(db)) == ("tickets 1, comments 0, refused 0, ignored 2, quarantined 0")
    assert _comments(db, ticket) == []
    assert dovecot.count(mailbox.processed_folder) == 4


def test_broken_and_oversized_mails_are_quarantined_and_the_rest_goes_on(
    desk: DeskFactory, dovecot: ImapServer, mailbox: MailSettings
) -> None:
    db = desk(max_message_bytes=10 * 1024 * 1024)
    _people(db)
    broken = b"Subject: sin remitente\r\nContent-Type: multipart/mixed\r\n\r\n--x\r\n"
    big = mail(body="x")
    big.add_attachment(b"\0" * (20 * 1024 * 1024), "application", "octet-stream", filename="a")
    deliver(dovecot, mailbox, broken, big.as_bytes(), mail())
    assert summary(fetch_once(db)) == ("tickets 1, comments 0, refused 0, ignored 0, quarantined 2")
    assert dovecot.count(mailbox.quarantine_folder) == 2
    assert broken in dovecot.messages(mailbox.quarantine_folder)  # untouched
    assert dovecot.count(mailbox.folder) == 0


def test_a_mail_committed_but_not_moved_is_only_moved_the_next_time(
    desk: DeskFactory, dovecot: ImapServer, mailbox: MailSettings
) -> None:
    """The crash between the commit and the move: the row says it was handled."""
    db = desk()
    _people(db)
    letter = mail()
    deliver(dovecot, mailbox, letter)
    with db.session() as session:  # what a run killed after its commit left behind
        store = Store(db.settings.attachments_dir)
        done = intake.take(session, raw=letter.as_bytes(), settings=db.settings, store=store)
        assert done.outcome == Outcome.TICKET
    tally = fetch_once(db)
    assert tally.total == 0
    assert len(_tickets(db)) == 1
    assert (dovecot.count(mailbox.folder), dovecot.count(mailbox.processed_folder)) == (0, 1)
    with db.session(write=False) as session:
        assert session.scalar(select(func.count()).select_from(MailMessage)) == 1


def test_a_spanish_latin1_mail_keeps_its_accents(
    desk: DeskFactory, dovecot: ImapServer, mailbox: MailSettings
) -> None:
    db = desk()
    _people(db)
    raw = (
        "From: ana@example.org\r\nTo: help@example.org\r\n"
        "Subject: =?iso-8859-1?q?Contrase=F1a_caducada?=\r\n"
        "Message-ID: <latin1@example.org>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=iso-8859-1\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        "No puedo iniciar sesi=F3n: la contrase=F1a caduc=F3 ayer.\r\n"
    ).encode("ascii")
    deliver(dovecot, mailbox, raw)
    fetch_once(db)
    [ticket] = _tickets(db)
    assert ticket.title == "Contraseña caducada"
    assert ticket.description == "No puedo iniciar sesión: la contraseña caducó ayer."


def test_a_reply_all_by_someone_in_cc_is_a_comment_and_makes_them_a_watcher(
    desk: DeskFactory, dovecot: ImapServer, mailbox: MailSettings
) -> None:
    """osTicket #1426: the colleague in Cc is not made the requester."""
    db = desk()
    people = _people(db)
    with db.session() as session:
        bob = make_user(session, username="bob", email="bob@example.org")
    first = mail(Cc="bob@example.org")
    deliver(dovecot, mailbox, first)
    fetch_once(db)
    reply_all = mail(
        sender="Bob <bob@example.org>",
        subject="Re: La impresora no imprime",
        body="A mí tampoco me imprime.",
        Cc="ana@example.org",
        In_Reply_To=first["Message-ID"],
        References=first["Message-ID"],
    )
    deliver(dovecot, mailbox, reply_all)
    assert fetch_once(db)[Outcome.COMMENT] == 1
    [ticket] = _tickets(db)
    assert ticket.requester_id == people["ana"].id
    assert _comments(db, ticket) == ["A mí tampoco me imprime."]
    with db.session(write=False) as session:
        assert [u.id for u in watchers.watchers_of(session, ticket)] == [bob.id]
    guess = mail(
        sender="eve@example.org",
        subject="Re: otra",
        body="¿Y esta?",
        In_Reply_To=f"<ticket-{ticket.number}@example.org>",
    )
    with db.session() as session:
        eve = make_user(session, username="eve", email="eve@example.org")
    deliver(dovecot, mailbox, guess)
    assert fetch_once(db)[Outcome.TICKET] == 1  # a guessed thread id opens no door
    with db.session(write=False) as session:
        assert eve.id not in {u.id for u in watchers.watchers_of(session, ticket)}


def test_a_file_over_the_limit_is_left_out_with_a_note_and_the_mail_is_taken(
    desk: DeskFactory, dovecot: ImapServer, mailbox: MailSettings
) -> None:
    db = desk()
    db.settings.attachments.max_bytes = 1024
    _people(db)
    letter = mail()
    letter.add_attachment(b"%PDF-1.4\n" + b"0" * 4096, "application", "pdf", filename="big.pdf")
    letter.add_attachment(b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image", "png", filename="ok.png")
    deliver(dovecot, mailbox, letter)
    assert fetch_once(db)[Outcome.TICKET] == 1
    [ticket] = _tickets(db)
    with db.session(write=False) as session:
        files = session.scalars(
            select(Attachment.filename).where(Attachment.ticket_id == ticket.id)
        )
        assert list(files) == ["ok.png"]
    [note] = _comments(db, ticket)
    assert note.startswith("Algunos archivos de este correo no se han adjuntado")
    assert note.endswith("big.pdf")


def test_the_worker_reads_the_mailbox_when_mail_is_set(
    desk: DeskFactory, dovecot: ImapServer, mailbox: MailSettings
) -> None:
    db = desk()
    _people(db)
    deliver(dovecot, mailbox, mail())
    Worker(db).run(once=True)
    assert [t.title for t in _tickets(db)] == ["La impresora no imprime"]
    assert dovecot.count(mailbox.processed_folder) == 1
