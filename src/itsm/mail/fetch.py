"""``itsm mail fetch``: read the mailbox once and turn each mail into what it asks for.

Each mail is read, handled in one transaction of its own (:func:`itsm.mail.intake.take`),
and only then moved out of the folder: to ``mail.processed_folder``, or to
``mail.quarantine_folder`` when it cannot be read. A crash between the commit and the
move leaves a mail whose row says it was handled: the next run only moves it. A mail
over ``mail.max_message_bytes`` is quarantined by its size, without downloading it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError

from itsm.attachments.storage import Store
from itsm.db.runtime import Database
from itsm.errors import ErrorKind, ItsmError
from itsm.logs import fields
from itsm.mail import answer, intake
from itsm.mail.imap import Mailbox, connected
from itsm.mail.models import Outcome

log = logging.getLogger("itsm.mail")

#: Failures of the database, not of the mail: the run stops and the mail waits.
_RETRIED = frozenset({ErrorKind.UNAVAILABLE, ErrorKind.NOT_MIGRATED})


@dataclass
class Tally:
    """What one run did, by outcome."""

    counts: dict[Outcome, int] = field(default_factory=lambda: dict.fromkeys(Outcome, 0))

    def add(self, outcome: Outcome) -> None:
        self.counts[outcome] += 1

    def __getitem__(self, outcome: Outcome) -> int:
        return self.counts[outcome]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def fetch_once(db: Database) -> Tally:
    """Handle the mails waiting in the folder (``mail.batch_size`` at most)."""
    settings = db.settings
    cfg = settings.mail
    store = Store(settings.attachments_dir)
    tally = Tally()
    with connected(cfg) as box:
        for waiting in box.waiting(limit=cfg.batch_size):
            if waiting.size > cfg.max_message_bytes:
                log.warning(
                    "mail.quarantined",
                    extra=fields(
                        reason=f"{waiting.size} bytes, over mail.max_message_bytes",
                        uid=waiting.uid,
                    ),
                )
                box.move(waiting.uid, cfg.quarantine_folder)
                tally.add(Outcome.QUARANTINED)
                continue
            raw = box.fetch(waiting.uid)
            if raw is None:  # taken meanwhile by another reader of the mailbox
                continue
            handled = _handle(db, raw=raw, store=store)
            _put_away(box, waiting.uid, handled.outcome)
            if handled.again:  # counted by the run that committed it
                continue
            tally.add(handled.outcome)
            if handled.refused_to is not None:
                answer.send_refusal(
                    settings,
                    to=handled.refused_to,
                    subject=handled.subject,
                    message_id=handled.message_id,
                )
    return tally


def _handle(db: Database, *, raw: bytes, store: Store) -> intake.Handled:
    try:
        with db.session() as session:
            return intake.take(session, raw=raw, settings=db.settings, store=store)
    except IntegrityError:
        # Another reader committed this mail first (its row's unique key): seen as handled.
        with db.session() as session:
            return intake.take(session, raw=raw, settings=db.settings, store=store)
    except ItsmError as exc:
        if exc.kind in _RETRIED:
            raise
        # A mail the services refuse must not block the folder: set aside for a person.
        log.warning("mail.quarantined", extra=fields(reason=str(exc), size=len(raw)))
        with db.session() as session:
            intake.record_quarantined(session, raw=raw)
        return intake.Handled(Outcome.QUARANTINED)


def _put_away(box: Mailbox, uid: int, outcome: Outcome) -> None:
    cfg = box.cfg
    box.move(uid, cfg.quarantine_folder if outcome == Outcome.QUARANTINED else cfg.processed_folder)


def summary(tally: Tally) -> str:
    """One line: 'tickets 2, comments 1, refused 0, ignored 3, quarantined 0'."""
    return (
        f"tickets {tally[Outcome.TICKET]}, comments {tally[Outcome.COMMENT]}, "
        f"refused {tally[Outcome.REFUSED]}, ignored {tally[Outcome.IGNORED]}, "
        f"quarantined {tally[Outcome.QUARANTINED]}"
    )
