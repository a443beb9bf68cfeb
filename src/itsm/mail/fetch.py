"""``itsm mail fetch``: read the mailbox once and turn each mail into what it asks for.

Mails are read a chunk at a time (one FETCH), handled (:func:`itsm.mail.intake.take`)
a group at a time in one transaction, each mail in a savepoint of its own, and
only once committed moved out of the folder: to ``mail.processed_folder``, or to
``mail.quarantine_folder`` when it cannot be read. A crash between the commit and the
move leaves a mail whose row says it was handled: the next run only moves it. A mail
over ``mail.max_message_bytes`` is quarantined by its size, without downloading it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from itsm.attachments.storage import Store
from itsm.config import Settings
from itsm.db.runtime import Database
from itsm.errors import ErrorKind, ItsmError
from itsm.logs import fields
from itsm.mail import answer, intake
from itsm.mail.imap import Mailbox, Waiting, connected
from itsm.mail.models import Outcome

log = logging.getLogger("itsm.mail")

#: Failures of the database, not of the mail: the run stops and the mail waits.
_RETRIED = frozenset({ErrorKind.UNAVAILABLE, ErrorKind.NOT_MIGRATED})
#: Mails read by one FETCH at most, and their bytes (a chunk is held in memory).
_CHUNK_MAILS = 50
_CHUNK_BYTES = 32 * 1024 * 1024
#: Mails handled in one transaction at most, and for how long it may go on.
_GROUP_MAILS = 50
_GROUP_SECONDS = 0.5


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


def fetch_once(db: Database, *, drain: bool = False) -> Tally:
    """Handle the mails waiting in the folder: ``mail.batch_size`` at most, or with
    ``drain`` batch after batch until it is empty (``itsm mail fetch --once``)."""
    tally = Tally()
    with connected(db.settings.mail) as box:
        while _batch(db, box, tally) and drain:
            pass
    return tally


def _batch(db: Database, box: Mailbox, tally: Tally) -> int:
    """One batch of the folder's mails; how many there were. Read in chunks (one FETCH
    each) and moved after each chunk, once every mail of it is committed."""
    cfg = db.settings.mail
    batch = box.waiting(limit=cfg.batch_size)
    oversized = [w.uid for w in batch if w.size > cfg.max_message_bytes]
    for uid in oversized:
        log.warning("mail.quarantined", extra=fields(reason="over mail.max_message_bytes", uid=uid))
        tally.add(Outcome.QUARANTINED)
    box.move(oversized, cfg.quarantine_folder)
    for chunk in _chunks([w for w in batch if w.size <= cfg.max_message_bytes]):
        _chunk(db, box, tally, [w.uid for w in chunk])
    return len(batch)


def _chunks(mails: list[Waiting]) -> Iterator[list[Waiting]]:
    """The mails in runs of at most :data:`_CHUNK_MAILS` and :data:`_CHUNK_BYTES`."""
    chunk: list[Waiting] = []
    size = 0
    for mail in mails:
        if chunk and (len(chunk) >= _CHUNK_MAILS or size + mail.size > _CHUNK_BYTES):
            yield chunk
            chunk, size = [], 0
        chunk.append(mail)
        size += mail.size
    if chunk:
        yield chunk


def _chunk(db: Database, box: Mailbox, tally: Tally, uids: list[int]) -> None:
    settings = db.settings
    store = Store(settings.attachments_dir)
    raws = box.fetch(uids)  # one missing was taken meanwhile by another reader
    waiting = [(uid, raw) for uid in uids if (raw := raws.get(uid)) is not None]
    done: dict[str, list[int]] = {}
    refusals: list[intake.Handled] = []
    try:
        while waiting:
            committed = _group(db, waiting, store=store)
            del waiting[: len(committed)]
            for uid, handled in committed:
                quarantined = handled.outcome == Outcome.QUARANTINED
                cfg = settings.mail
                folder = cfg.quarantine_folder if quarantined else cfg.processed_folder
                done.setdefault(folder, []).append(uid)
                if handled.again:  # counted by the run that committed it
                    continue
                tally.add(handled.outcome)
                if handled.refused_to is not None:
                    refusals.append(handled)
    finally:  # what was committed leaves the folder, even when a later mail failed
        for folder, moved in done.items():
            box.move(moved, folder)
    for handled in refusals:
        assert handled.refused_to is not None
        answer.send_refusal(
            settings, to=handled.refused_to, subject=handled.subject, message_id=handled.message_id
        )


def _group(
    db: Database, mails: list[tuple[int, bytes]], *, store: Store
) -> list[tuple[int, intake.Handled]]:
    """Handle the first of ``mails`` in one transaction, each in a savepoint of its own
    (a mail the services refuse undoes only itself), until :data:`_GROUP_MAILS` or
    :data:`_GROUP_SECONDS`; what was handled, once committed. One commit per mail
    was most of a mail's cost; the time bound keeps the lock on the ticket counter
    (and SQLite's on the whole file) short for the people writing meanwhile."""
    handled: list[tuple[int, intake.Handled]] = []
    started = time.monotonic()
    with db.session() as session:
        for uid, raw in mails:
            handled.append((uid, _handle(session, raw=raw, settings=db.settings, store=store)))
            if len(handled) >= _GROUP_MAILS or time.monotonic() - started > _GROUP_SECONDS:
                break
    return handled


def _handle(session: Session, *, raw: bytes, settings: Settings, store: Store) -> intake.Handled:
    try:
        with session.begin_nested():
            return intake.take(session, raw=raw, settings=settings, store=store)
    except IntegrityError:
        # Another reader committed this mail first (its row's unique key): seen as handled.
        with session.begin_nested():
            return intake.take(session, raw=raw, settings=settings, store=store)
    except ItsmError as exc:
        if exc.kind in _RETRIED:
            raise
        # A mail the services refuse must not block the folder: set aside for a person.
        log.warning("mail.quarantined", extra=fields(reason=str(exc), size=len(raw)))
        with session.begin_nested():
            intake.record_quarantined(session, raw=raw)
        return intake.Handled(Outcome.QUARANTINED)


def summary(tally: Tally) -> str:
    """One line: 'tickets 2, comments 1, refused 0, ignored 3, quarantined 0'."""
    return (
        f"tickets {tally[Outcome.TICKET]}, comments {tally[Outcome.COMMENT]}, "
        f"refused {tally[Outcome.REFUSED]}, ignored {tally[Outcome.IGNORED]}, "
        f"quarantined {tally[Outcome.QUARANTINED]}"
    )
