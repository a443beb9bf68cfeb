"""A merged ticket's files follow its comments into the ticket it was merged into.

All of them, even past ``attachments.max_per_ticket``: a merge never loses a file; the
limit then refuses new uploads to the ticket (its count is of rows, copies included).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from itsm.attachments.models import Attachment


def copy_attachments(
    session: Session, *, source_id: int, target_id: int, comment_ids: Mapping[int, int]
) -> None:
    """Name ``source_id``'s files on ``target_id`` too (the bytes are stored once), each
    on the copy of its comment (``comment_ids``: old comment id -> its copy's)."""
    rows = session.scalars(
        select(Attachment)
        .where(Attachment.ticket_id == source_id)
        .order_by(Attachment.created_at, Attachment.id)
    ).all()
    for a in rows:
        session.add(
            Attachment(
                ticket_id=target_id,
                comment_id=comment_ids.get(a.comment_id) if a.comment_id is not None else None,
                uploader_id=a.uploader_id,
                is_internal=a.is_internal,
                filename=a.filename,
                media_type=a.media_type,
                size_bytes=a.size_bytes,
                sha256=a.sha256,
                created_at=a.created_at,
            )
        )
