"""Writing a command's output file without ever leaving half of one, or writing elsewhere."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, TextIO


@contextmanager
def written(target: Path) -> Iterator[TextIO]:
    """A text stream whose content becomes ``target`` when the block succeeds.

    A regular file (or a new one) is written to a fresh temporary file beside it,
    created exclusively with mode 0600 (no planted file or symlink is followed), and
    renamed over ``target`` at the end: readers see the old file or the whole new one.
    Anything else that exists (``/dev/null``, ``/dev/stdout``, a FIFO) is written
    directly: renaming over a device would replace it with a plain file.
    """
    with _replacing(target) as fd:
        if fd is None:
            with target.open("w", encoding="utf-8", newline="") as out:
                yield out
        else:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
                yield out


@contextmanager
def written_bytes(target: Path) -> Iterator[BinaryIO]:
    """As :func:`written`, for bytes (a downloaded file)."""
    with _replacing(target) as fd:
        if fd is None:
            with target.open("wb") as out:
                yield out
        else:
            with os.fdopen(fd, "wb") as out:
                yield out


@contextmanager
def _replacing(target: Path) -> Iterator[int | None]:
    """The descriptor of the temporary file that replaces ``target`` when the block
    succeeds, or ``None`` when ``target`` is no regular file (written directly)."""
    try:
        regular = stat.S_ISREG(os.stat(target).st_mode)
    except FileNotFoundError:
        regular = True
    if not regular:
        yield None
        return
    fd, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        yield fd
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
