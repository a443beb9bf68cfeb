"""Attachments through the service: storage, limits, sniffing, visibility, merge."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from itsm.attachments import service
from itsm.attachments.config import AttachmentSettings
from itsm.attachments.errors import AttachmentNotFound, AttachmentTooLarge, TooManyAttachments
from itsm.attachments.models import Attachment
from itsm.attachments.storage import Store
from itsm.errors import ErrorKind, Forbidden, InvalidInput
from itsm.tickets import access, workflow
from itsm.tickets.errors import TicketNotFound
from tests.factories import make_ticket, make_user
from tests.integration.attachments.files import HTML, png

LIMITS = AttachmentSettings()


class Reads:
    """A source that counts what was read from it, to show a refusal stops reading."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.read_bytes = 0

    def read(self, n: int = -1) -> bytes:
        step = min(n if n > 0 else self.left, self.left)
        self.left -= step
        self.read_bytes += step
        return b"x" * step


def _attach(
    session: Session, store: Store, ref: object, data: bytes, name: str, **kw: object
) -> Attachment:
    return service.attach(
        session,
        ref=str(ref),
        source=io.BytesIO(data),
        filename=name,
        store=store,
        limits=kw.pop("limits", LIMITS),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "files")


def test_a_file_is_stored_once_by_digest_private_and_whole(session: Session, store: Store) -> None:
    user = make_user(session)
    ticket = make_ticket(session, requester=user)
    first = _attach(session, store, ticket.number, png(), "screen.png", actor=user)
    again = _attach(session, store, ticket.number, png(), "copy.png", actor=user)
    assert first.sha256 == again.sha256
    assert first.id != again.id
    path = store.path_of(first.sha256)
    assert path.read_bytes() == png()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(store.root.stat().st_mode) == 0o700
    files = [p for p in store.root.rglob("*") if p.is_file()]
    assert files == [path]  # stored once, no temporary file left
    assert first.media_type == "image/png"
    assert first.size_bytes == len(png())
    assert first.uploader_id == user.id
    assert first.filename == "screen.png"


def test_the_type_comes_from_the_content_not_the_name(session: Session, store: Store) -> None:
    user = make_user(session)
    ticket = make_ticket(session, requester=user)
    image = _attach(session, store, ticket.id, png(), "notes.txt", actor=user)
    page = _attach(session, store, ticket.id, HTML, "cat.png", actor=user)
    text = _attach(session, store, ticket.id, "plain words, ñ\n".encode(), "a.bin", actor=user)
    read = [service.attachment_read(a, viewer=user) for a in (image, page, text)]
    assert [(r.media_type, r.previewable) for r in read] == [
        ("image/png", True),
        ("text/html", False),
        ("text/plain", False),
    ]


def test_an_oversized_file_is_refused_while_streaming(session: Session, store: Store) -> None:
    user = make_user(session)
    ticket = make_ticket(session, requester=user)
    source = Reads(10_000_000)
    with pytest.raises(AttachmentTooLarge) as info:
        service.attach(
            session,
            ref=ticket.id,
            source=source,  # type: ignore[arg-type]
            filename="big.log",
            actor=user,
            store=store,
            limits=AttachmentSettings(max_bytes=100_000),
        )
    assert info.value.kind is ErrorKind.TOO_LARGE
    assert str(info.value) == ("the file is over the limit of 100000 bytes (attachments.max_bytes)")
    assert source.read_bytes < 200_000  # stopped reading near the limit
    assert [p for p in store.root.rglob("*") if p.is_file()] == []
    assert service.attachments_of(session, ref=ticket.id, viewer=user) == []


def test_the_count_per_ticket_is_limited(session: Session, store: Store) -> None:
    user = make_user(session)
    ticket = make_ticket(session, requester=user)
    two = AttachmentSettings(max_per_ticket=2)
    for n in range(2):
        _attach(session, store, ticket.id, b"log %d" % n, f"{n}.log", actor=user, limits=two)
    with pytest.raises(TooManyAttachments) as info:
        _attach(session, store, ticket.id, b"log 3", "3.log", actor=user, limits=two)
    assert str(info.value) == (
        f"{ticket.number} already has 2 attachments; the limit is 2 per ticket"
        " (attachments.max_per_ticket)"
    )


def test_an_empty_file_is_refused(session: Session, store: Store) -> None:
    user = make_user(session)
    ticket = make_ticket(session, requester=user)
    with pytest.raises(InvalidInput, match="the file is empty"):
        _attach(session, store, ticket.id, b"", "empty.txt", actor=user)


def test_end_users_see_public_files_of_their_own_tickets_only(
    session: Session, store: Store
) -> None:
    user, other, tech = (
        make_user(session),
        make_user(session),
        make_user(session, role="technician"),
    )
    ticket = make_ticket(session, requester=user)
    public = _attach(session, store, ticket.id, b"public", "p.txt", actor=user)
    hidden = _attach(
        session, store, ticket.id, b"secret", "s.txt", actor=tech, internal=True, comment="n"
    )
    assert hidden.is_internal
    assert hidden.comment_id is not None
    note = [c for c in access.comments(session, ref=ticket.id, viewer=tech) if c.is_internal]
    assert [c.id for c in note] == [hidden.comment_id]
    assert [a.id for a in service.attachments_of(session, ref=ticket.id, viewer=user)] == [
        public.id
    ]
    assert [a.id for a in service.attachments_of(session, ref=ticket.id, viewer=tech)] == [
        public.id,
        hidden.id,
    ]
    with pytest.raises(AttachmentNotFound):
        service.get_attachment(session, ref=ticket.id, attachment_id=hidden.id, viewer=user)
    with pytest.raises(TicketNotFound):
        service.get_attachment(session, ref=ticket.id, attachment_id=public.id, viewer=other)
    with pytest.raises(TicketNotFound):
        _attach(session, store, ticket.id, b"x", "x.txt", actor=other)
    with pytest.raises(Forbidden):
        _attach(session, store, ticket.id, b"x", "x.txt", actor=user, internal=True)
    mine = make_ticket(session, requester=other)
    with pytest.raises(AttachmentNotFound):  # a file of another ticket is not this one's
        service.get_attachment(session, ref=mine.id, attachment_id=public.id, viewer=tech)


def test_names_are_cleaned_for_display(session: Session, store: Store) -> None:
    user = make_user(session)
    ticket = make_ticket(session, requester=user)
    row = _attach(session, store, ticket.id, b"x", "../../etc/pass\u202ewd\r\n.  .txt", actor=user)
    assert row.filename == "passwd. .txt"  # no path, no bidi override, one line
    dots = _attach(session, store, ticket.id, b"y", "..", actor=user)
    assert dots.filename == "attachment"


def test_a_merge_carries_the_files_with_the_comments(session: Session, store: Store) -> None:
    tech = make_user(session, role="technician")
    user = make_user(session)
    duplicate = make_ticket(session, requester=user)
    target = make_ticket(session, requester=user)
    loose = _attach(session, store, duplicate.id, png(), "s.png", actor=user)
    noted = _attach(session, store, duplicate.id, b"log", "a.log", actor=user, comment="see log")
    workflow.merge(session, duplicate_ref=duplicate.id, target_ref=target.id, actor=tech)
    moved = service.attachments_of(session, ref=target.id, viewer=user)
    assert [(a.filename, a.sha256) for a in moved] == [
        (loose.filename, loose.sha256),
        (noted.filename, noted.sha256),
    ]
    copied = [
        c for c in access.comments(session, ref=target.id, viewer=user) if c.body == "see log"
    ]
    assert moved[1].comment_id == copied[0].id != noted.comment_id
    assert len(service.attachments_of(session, ref=duplicate.id, viewer=user)) == 2
    assert session.get(Attachment, loose.id) is not None


def test_a_merge_keeps_every_file_past_the_limit_and_new_ones_are_refused(
    session: Session, store: Store
) -> None:
    # The rule: a merge never drops a file (they are evidence), even past
    # attachments.max_per_ticket; the limit then refuses new files until there is room.
    two = AttachmentSettings(max_per_ticket=2)
    tech = make_user(session, role="technician")
    user = make_user(session)
    duplicate = make_ticket(session, requester=user)
    target = make_ticket(session, requester=user)
    for ticket in (duplicate, target):
        for name in ("a.txt", "b.txt"):
            _attach(session, store, ticket.id, name.encode(), name, actor=user, limits=two)
    workflow.merge(session, duplicate_ref=duplicate.id, target_ref=target.id, actor=tech)
    assert len(service.attachments_of(session, ref=target.id, viewer=tech)) == 4
    with pytest.raises(TooManyAttachments) as refused:
        _attach(session, store, target.id, b"c", "c.txt", actor=tech, limits=two)
    assert str(refused.value) == (
        f"{target.number} already has 4 attachments; the limit is 2 per ticket"
        " (attachments.max_per_ticket)"
    )
    assert refused.value.kind is ErrorKind.INVALID
    assert len(service.attachments_of(session, ref=target.id, viewer=tech)) == 4
