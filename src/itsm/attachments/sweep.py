"""Files in the content store that no row names: left by an attach that rolled back.

The store writes a file before the row that names it commits, so a failed or rolled
back attach leaves it behind. Content is shared (the same bytes attached twice are one
file), so a file is removed only when no committed row names its hash, and only once
it is older than the grace period: an attach still in flight has written or touched it
recently (:func:`itsm.attachments.storage._touched`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from itsm.attachments.models import Attachment
from itsm.attachments.storage import Store

#: Longer than any transaction that attaches a file lasts.
DEFAULT_GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class Swept:
    removed: int  # unreferenced files and abandoned partial uploads
    kept: int  # files a row names, or too recent to judge


def sweep(session: Session, *, store: Store, grace: timedelta = DEFAULT_GRACE) -> Swept:
    """Remove the files of ``store`` older than ``grace`` that no committed row names."""
    cutoff = time.time() - grace.total_seconds()
    old: list[tuple[str, Path]] = []
    kept = 0
    for sha, path in store.contents():
        try:
            recent = path.stat().st_mtime > cutoff
        except FileNotFoundError:  # removed meanwhile (another sweep)
            continue
        if recent:
            kept += 1
        else:
            old.append((sha, path))
    # Read after listing: a row committed later was attached after the cutoff, and its
    # attach touched the file, which discard() then leaves in place.
    named = set(session.scalars(select(Attachment.sha256).distinct()))
    removed = 0
    for sha, path in old:
        if sha in named:
            kept += 1
        elif store.discard(path, untouched_since=cutoff):
            removed += 1
        else:
            kept += 1
    return Swept(removed=removed, kept=kept)
