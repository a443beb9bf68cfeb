"""The content store: attached files on disk, named by their SHA-256.

A file is written to a fresh temporary file in the store (created 0600, never
following a planted name), hashed and counted as it streams, and renamed into
place only when whole; readers see no file or the whole one. The same content
attached twice is kept once. Directories are 0700: only the service's account
reads them.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from itsm.attachments.errors import AttachmentTooLarge
from itsm.errors import N_, InvalidInput

_CHUNK = 64 * 1024
#: Names of files not yet whole (an upload) and of files being swept.
_PARTIAL = ".upload-"
_SWEPT = ".swept-"
#: How much of the start of a file the media type is read from.
HEAD_BYTES = 8 * 1024


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int
    head: bytes  # the first HEAD_BYTES, to detect the media type from


def too_large(max_bytes: int) -> AttachmentTooLarge:
    return AttachmentTooLarge(
        N_("the file is over the limit of %(max_bytes)s bytes (attachments.max_bytes)"),
        max_bytes=max_bytes,
    )


@dataclass(frozen=True)
class Store:
    root: Path

    def _dir(self, path: Path) -> Path:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.chmod(0o700)  # mkdir's mode is masked by the umask
        return path

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def contents(self) -> Iterator[tuple[str, Path]]:
        """Every stored file as (SHA-256, path), and partial uploads as ("", path). A
        file a sweep left aside (it stopped midway) is put back first, to be judged again."""
        if not self.root.is_dir():
            return
        for entry in self.root.iterdir():
            if entry.name.startswith((_PARTIAL, _SWEPT)) and entry.is_file():
                yield "", entry
            elif entry.is_dir() and len(entry.name) == 2:
                for file in entry.iterdir():
                    if file.name.startswith(_SWEPT):
                        file = file.rename(file.with_name(file.name.removeprefix(_SWEPT)))
                    if file.name.startswith(entry.name) and file.is_file():
                        yield file.name, file

    def discard(self, path: Path, *, untouched_since: float) -> bool:
        """Remove ``path`` unless it was written or attached again after
        ``untouched_since`` (a time.time()): moved aside first, so that an attach of the
        same content either touched it before (it is put back) or finds it gone and
        stores its own copy (:func:`_touched`)."""
        aside = path.with_name(f"{_SWEPT}{path.name}")
        try:
            os.replace(path, aside)
        except FileNotFoundError:
            return False
        if aside.stat().st_mtime > untouched_since:
            os.replace(aside, path)  # the same bytes, whoever wrote them last
            return False
        aside.unlink()
        return True

    def put(self, source: BinaryIO, *, max_bytes: int) -> Stored:
        """Copy ``source`` into the store, refused past ``max_bytes`` as it streams (the
        partial copy removed); an empty file is refused too."""
        digest = hashlib.sha256()
        size = 0
        head = b""
        fd, partial = tempfile.mkstemp(dir=self._dir(self.root), prefix=_PARTIAL)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := source.read(_CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise too_large(max_bytes)
                    if len(head) < HEAD_BYTES:
                        head += chunk[: HEAD_BYTES - len(head)]
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if size == 0:
                raise InvalidInput(N_("the file is empty; attach a file with content"))
            sha = digest.hexdigest()
            final = self.path_of(sha)
            self._dir(final.parent)
            if not _touched(final):  # the same content is kept once
                os.replace(partial, final)
            else:
                Path(partial).unlink()
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
        return Stored(sha256=sha, size=size, head=head)


def _touched(final: Path) -> bool:
    """Whether ``final`` is stored; if so, its time is set to now: an attach in flight
    uses it, and the sweep (:meth:`Store.discard`) leaves recent files alone."""
    try:
        os.utime(final, (time.time(), time.time()))
    except FileNotFoundError:
        return False
    return True
