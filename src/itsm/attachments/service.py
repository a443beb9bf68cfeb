"""Attach files to tickets, list them and find one to download, by the tickets' role rules.

Who may see a ticket may see its public attachments; a file attached as internal, or
with an internal note, is staff's only: to an end user it does not exist. The bytes
go to the content store before the row is written; a rolled-back attach leaves at
most a stored file no row names.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from itsm.attachments import filenames, sniff
from itsm.attachments.config import AttachmentSettings
from itsm.attachments.errors import AttachmentNotFound, TooManyAttachments
from itsm.attachments.models import Attachment
from itsm.attachments.schemas import AttachmentRead
from itsm.attachments.storage import Store
from itsm.errors import N_, Counted
from itsm.events.domain import TICKET_PREFIX, DomainEvent, emit
from itsm.sla.config import SlaSettings
from itsm.tickets import access
from itsm.tickets import service as tickets
from itsm.tickets.schemas import CommentCreate
from itsm.tickets.visibility import sees_all, shown_person
from itsm.users.models import User
from itsm.validation import validated

#: The domain event of a file attached (``internal`` for staff-only files).
TICKET_ATTACHED = TICKET_PREFIX + "attached"


def attach(
    session: Session,
    *,
    ref: int | str,
    source: BinaryIO,
    filename: str,
    actor: User | None,
    store: Store,
    limits: AttachmentSettings,
    internal: bool = False,
    comment: str | None = None,
    sla: SlaSettings | None = None,
) -> Attachment:
    """Attach the file read from ``source`` to the ticket ``ref``, with a new comment
    (or internal note) of text ``comment`` when one is given. Internal files: staff only."""
    if internal:
        access.require_staff(actor, N_("attach internal files"))
    note = None
    if comment is not None:
        note = validated(CommentCreate, {"body": comment, "is_internal": internal})
    seen = access.visible_ticket(session, ref=ref, viewer=actor)
    ticket = tickets.get_ticket_for_update(session, ref=seen.id)  # one count check at a time
    held = session.scalar(
        select(func.count()).select_from(Attachment).where(Attachment.ticket_id == ticket.id)
    )
    if (held or 0) >= limits.max_per_ticket:
        raise TooManyAttachments(
            N_(
                "%(number)s already has %(attachments)s; the limit is %(max_per_ticket)s per "
                "ticket (attachments.max_per_ticket)"
            ),
            number=ticket.number,
            attachments=Counted(held or 0, N_("%(num)s attachment"), N_("%(num)s attachments")),
            max_per_ticket=limits.max_per_ticket,
        )
    stored = store.put(source, max_bytes=limits.max_bytes)
    comment_id = None
    if note is not None:
        comment_id = access.add_comment(session, ref=ticket.id, data=note, actor=actor, sla=sla).id
    row = Attachment(
        ticket_id=ticket.id,
        comment_id=comment_id,
        uploader_id=actor.id if actor is not None else None,
        is_internal=internal,
        filename=filenames.display_name(filename),
        media_type=sniff.media_type(stored.head),
        size_bytes=stored.size,
        sha256=stored.sha256,
    )
    session.add(row)
    session.flush()
    emit(
        session,
        DomainEvent(
            kind=TICKET_ATTACHED,
            ticket_id=ticket.id,
            requester_id=ticket.requester_id,
            internal=internal,
            source=ticket.source,
        ),
    )
    return row


def attachments_of(
    session: Session, *, ref: int | str, viewer: User | None
) -> Sequence[Attachment]:
    """The ticket's files ``viewer`` may see, oldest first (end users: no internal ones)."""
    ticket = access.visible_ticket(session, ref=ref, viewer=viewer)
    stmt = (
        select(Attachment)
        .where(Attachment.ticket_id == ticket.id)
        .order_by(Attachment.created_at, Attachment.id)
    )
    if not sees_all(viewer):
        stmt = stmt.where(Attachment.is_internal.is_(False))
    return session.scalars(stmt).all()


def get_attachment(
    session: Session, *, ref: int | str, attachment_id: int, viewer: User | None
) -> Attachment:
    """One file of the ticket ``ref``; one of another ticket, or internal for an end user,
    is :class:`AttachmentNotFound` like one that does not exist."""
    ticket = access.visible_ticket(session, ref=ref, viewer=viewer)
    row = session.get(Attachment, attachment_id)
    if row is None or row.ticket_id != ticket.id or (row.is_internal and not sees_all(viewer)):
        raise AttachmentNotFound(
            N_("%(number)s has no attachment %(attachment_id)s"),
            number=ticket.number,
            attachment_id=attachment_id,
        )
    return row


def attachment_read(row: Attachment, *, viewer: User | None) -> AttachmentRead:
    return AttachmentRead(
        id=row.id,
        ticket_id=row.ticket_id,
        comment_id=row.comment_id,
        filename=row.filename,
        media_type=row.media_type,
        size_bytes=row.size_bytes,
        sha256=row.sha256,
        is_internal=row.is_internal,
        previewable=sniff.previewable(row.media_type),
        uploader=shown_person(row.uploader, viewer=viewer),
        created_at=row.created_at,
    )


def attachment_reads(
    session: Session, *, ref: int | str, viewer: User | None
) -> list[AttachmentRead]:
    return [
        attachment_read(row, viewer=viewer)
        for row in attachments_of(session, ref=ref, viewer=viewer)
    ]
