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


def read_file(path: Path) -> str:
    from itsm.errors import InvalidInput

    try:
        return path.read_text(encoding="utf-8")
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
