"""Small helpers shared by the command modules."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from itsm.cli.context import AppContext

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def app_context(ctx: typer.Context) -> AppContext:
    obj = ctx.find_object(AppContext)
    if obj is None:  # invoked without the root callback (never from the shell)
        obj = AppContext()
        ctx.obj = obj
    return obj


def read_text_arg(value: str) -> str:
    """``-`` means: read the text from standard input."""
    return sys.stdin.read() if value == "-" else value


def read_file(path: Path, *, max_bytes: int) -> str:
    """A regular file's UTF-8 text, refused past ``max_bytes`` without reading the rest.

    Devices and FIFOs are refused: ``/dev/zero`` would never end.
    """
    import os
    import stat

    from itsm.errors import InvalidInput

    try:
        with path.open("rb") as raw:
            if not stat.S_ISREG(os.fstat(raw.fileno()).st_mode):
                raise InvalidInput(f"cannot read {path}: not a regular file")
            data = raw.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise InvalidInput(f"cannot read {path}: it is over the limit of {max_bytes} bytes")
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InvalidInput(f"cannot read {path}: {reason}") from None


def split_csv(values: list[str] | None) -> list[str]:
    """``--status open,pending --status closed`` -> ``['open', 'pending', 'closed']``."""
    out: list[str] = []
    for value in values or []:
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return out


def dump(model: Any) -> Any:
    return model.model_dump(mode="json")
