"""Small helpers shared by the command modules."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from itsm.cli.context import AppContext

E = TypeVar("E", bound=StrEnum)

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


def choice(kind: type[E], value: str, *, name: str) -> E:
    """The member of ``kind`` that ``value`` names, whatever its case (``OPEN``, `` High``).

    Every choice option of the CLI goes through here, as import reads its columns.
    """
    from itsm.errors import InvalidInput, choices

    try:
        return kind(value.strip().lower())
    except ValueError:
        raise InvalidInput(f"invalid {name} {value!r}; allowed: {choices(kind)}") from None


def choice_or_none(kind: type[E], value: str | None, *, name: str) -> E | None:
    """:func:`choice` for an option that may be left out."""
    return None if value is None else choice(kind, value, name=name)


def choice_list(kind: type[E], values: list[str] | None, *, name: str) -> list[E]:
    """:func:`choice` of each value of a repeatable, comma-separated option."""
    return [choice(kind, v, name=name) for v in split_csv(values)]


def dump(model: Any) -> Any:
    return model.model_dump(mode="json")
