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
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from itsm.attachments.errors import AttachmentTooLarge
from itsm.errors import InvalidInput

_CHUNK = 64 * 1024
#: How much of the start of a file the media type is read from.
HEAD_BYTES = 8 * 1024


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int
    head: bytes  # the first HEAD_BYTES, to detect the media type from


def too_large(max_bytes: int) -> AttachmentTooLarge:
    return AttachmentTooLarge(
        f"the file is over the limit of {max_bytes} bytes (attachments.max_bytes)"
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

    def put(self, source: BinaryIO, *, max_bytes: int) -> Stored:
        """Copy ``source`` into the store, refused past ``max_bytes`` as it streams (the
        partial copy removed); an empty file is refused too."""
        digest = hashlib.sha256()
        size = 0
        head = b""
        fd, partial = tempfile.mkstemp(dir=self._dir(self.root), prefix=".upload-")
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
                raise InvalidInput("the file is empty; attach a file with content")
            sha = digest.hexdigest()
            final = self.path_of(sha)
            self._dir(final.parent)
            if final.exists():  # the same content is kept once
                Path(partial).unlink()
            else:
                os.replace(partial, final)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
        return Stored(sha256=sha, size=size, head=head)
