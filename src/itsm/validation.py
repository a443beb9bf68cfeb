"""Turn Pydantic validation failures into one-line :class:`InvalidInput` errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from itsm.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)


def explain(field: str, err: Mapping[str, Any]) -> str | None:
    """The sentence for the error kinds every door words alike (a bad choice, a missing or
    empty value, too long), or ``None`` for the others, which each door words itself."""
    kind = err.get("type")
    ctx = err.get("ctx") or {}
    if kind == "enum":
        allowed = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
        given = err.get("input")
        if given is None:  # an explicit null, or an import row's empty column
            return f"{field} is required; allowed: {allowed}"
        return f"invalid {field} {given!r}; allowed: {allowed}"
    if kind == "missing":
        return f"{field} is required"
    if kind in {"string_too_long", "too_long"}:
        return f"{field} is too long (at most {ctx.get('max_length')} characters)"
    if kind in {"string_too_short", "too_short"}:
        return f"{field} must not be empty"
    return None


def describe(exc: ValidationError) -> str:
    """The first error, phrased for a person: field, given value, what is allowed."""
    err = exc.errors()[0]
    # List positions ("status.0") say nothing to a person: name the field only.
    field = ".".join(str(p) for p in err["loc"] if not isinstance(p, int)) or "input"
    said = explain(field, err)
    if said is not None:
        return said
    given = err.get("input")
    msg = str(err["msg"]).removeprefix("Value error, ")
    shown = given if isinstance(given, int | float) else None
    return f"invalid {field}{f' {shown!r}' if shown is not None else ''}: {msg}"


def validated(model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(describe(exc)) from None


def refuse_nul(value: Any) -> Any:
    """``value`` unchanged, unless a text in it holds NUL, which PostgreSQL cannot store.

    For ``field_validator("*", mode="before")``: it looks into lists and mappings
    (tags, JSON columns) too, and refuses the input instead of failing on write.
    """
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("must not contain NUL characters")
    elif isinstance(value, dict):
        for key, item in value.items():
            refuse_nul(key)
            refuse_nul(item)
    elif isinstance(value, list | tuple):
        for item in value:
            refuse_nul(item)
    return value
