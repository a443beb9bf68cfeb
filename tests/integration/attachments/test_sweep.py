"""The sweep of the content store: files left by attaches that rolled back go, files a
committed row names (the same content attached elsewhere too) and recent ones stay."""

from __future__ import annotations

import io
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from itsm.attachments import service
from itsm.attachments.config import AttachmentSettings
from itsm.attachments.storage import Store
from itsm.attachments.sweep import sweep
from tests.factories import make_ticket, make_user

HOUR = timedelta(hours=1)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "files")


def _attach(session: Session, store: Store, ref: int, data: bytes) -> str:
    row = service.attach(
        session,
        ref=str(ref),
        source=io.BytesIO(data),
        filename="f.txt",
        store=store,
        limits=AttachmentSettings(),
        actor=None,
    )
    return row.sha256


def _rolled_back(session: Session, store: Store, ref: int, *contents: bytes) -> list[str]:
    """Attach ``contents`` in a transaction that then rolls back, as a failing request's."""
    nested = session.begin_nested()
    shas = [_attach(session, store, ref, data) for data in contents]
    nested.rollback()
    return shas


def _age(*paths: Path) -> None:
    past = time.time() - 2 * HOUR.total_seconds()
    for path in paths:
        os.utime(path, (past, past))


def _files(store: Store) -> set[str]:
    return {p.name for p in store.root.rglob("*") if p.is_file()}


def test_a_rolled_back_attach_leaves_a_file_the_sweep_removes(
    session: Session, store: Store
) -> None:
    ticket = make_ticket(session, requester=make_user(session))
    kept = _attach(session, store, ticket.id, b"committed")
    session.flush()
    # The first shares the committed row's file.
    _, orphan = _rolled_back(session, store, ticket.id, b"committed", b"rolled back")
    assert len(service.attachments_of(session, ref=ticket.id, viewer=None)) == 1
    assert _files(store) == {kept, orphan}  # the store cannot know yet
    _age(store.path_of(kept), store.path_of(orphan))

    done = sweep(session, store=store, grace=HOUR)
    assert (done.removed, done.kept) == (1, 1)
    assert _files(store) == {kept}
    assert store.path_of(kept).read_bytes() == b"committed"
    again = sweep(session, store=store, grace=HOUR)
    assert (again.removed, again.kept) == (0, 1)


def test_recent_files_and_content_attached_again_stay(session: Session, store: Store) -> None:
    ticket = make_ticket(session, requester=make_user(session))
    young, old = _rolled_back(session, store, ticket.id, b"young", b"old")
    _age(store.path_of(old))
    # An attach of the same content in flight (its row not yet committed) touches the file.
    again = store.put(io.BytesIO(b"old"), max_bytes=100)
    assert again.sha256 == old
    done = sweep(session, store=store, grace=HOUR)
    assert (done.removed, done.kept) == (0, 2)
    assert _files(store) == {young, old}


def test_abandoned_uploads_and_a_sweep_stopped_midway(session: Session, store: Store) -> None:
    ticket = make_ticket(session, requester=make_user(session))
    (orphan,) = _rolled_back(session, store, ticket.id, b"orphan")
    partial = store.root / ".upload-abc"
    partial.write_bytes(b"half")
    # A sweep that stopped after moving a file aside: it is put back and judged again.
    path = store.path_of(orphan)
    aside = path.rename(path.with_name(f".swept-{orphan}"))
    _age(partial, aside)
    done = sweep(session, store=store, grace=HOUR)
    assert (done.removed, done.kept) == (2, 0)
    assert _files(store) == set()


def test_an_empty_or_missing_store_sweeps_nothing(session: Session, tmp_path: Path) -> None:
    done = sweep(session, store=Store(tmp_path / "none"), grace=HOUR)
    assert (done.removed, done.kept) == (0, 0)
