"""Turn Pydantic validation failures into one-line :class:`InvalidInput` errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from itsm.errors import N_, InvalidInput, Phrase, Said, render

M = TypeVar("M", bound=BaseModel)


def explain(field: str, err: Mapping[str, Any]) -> Said | None:
    """The sentence for the error kinds every door words alike (a bad choice, a missing or
    empty value, too long), or ``None`` for the others, which each door words itself."""
    kind = err.get("type")
    ctx = err.get("ctx") or {}
    if kind == "enum":
        allowed = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
        given = err.get("input")
        if given is None:  # an explicit null, or an import row's empty column
            return N_("%(field)s is required; allowed: %(allowed)s"), {
                "field": field,
                "allowed": allowed,
            }
        return N_("invalid %(field)s %(given)r; allowed: %(allowed)s"), {
            "field": field,
            "given": given,
            "allowed": allowed,
        }
    if kind == "missing":
        return N_("%(field)s is required"), {"field": field}
    if kind in {"string_too_long", "too_long"}:
        return N_("%(field)s is too long (at most %(max_length)s characters)"), {
            "field": field,
            "max_length": ctx.get("max_length"),
        }
    if kind in {"string_too_short", "too_short"}:
        return N_("%(field)s must not be empty"), {"field": field}
    return None


def said(exc: ValidationError) -> Said:
    """The first error, phrased for a person: field, given value, what is allowed."""
    err = exc.errors()[0]
    # List positions ("status.0") say nothing to a person: name the field only.
    field = ".".join(str(p) for p in err["loc"] if not isinstance(p, int)) or "input"
    known = explain(field, err)
    if known is not None:
        return known
    given = err.get("input")
    # A schema's own check says why; a reason it marked N_ is translated with the message.
    reason = Phrase(str(err["msg"]).removeprefix("Value error, "))
    if isinstance(given, int | float):
        return N_("invalid %(field)s %(given)r: %(reason)s"), {
            "field": field,
            "given": given,
            "reason": reason,
        }
    return N_("invalid %(field)s: %(reason)s"), {"field": field, "reason": reason}


def describe(exc: ValidationError) -> str:
    """:func:`said`, in English."""
    template, params = said(exc)
    return render(template, params)


def validated(model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        template, params = said(exc)
        raise InvalidInput(template, **params) from None


def refuse_nul(value: Any) -> Any:
    """``value`` unchanged, unless a text in it holds NUL, which PostgreSQL cannot store.

    For ``field_validator("*", mode="before")``: it looks into lists and mappings
    (tags, JSON columns) too, and refuses the input instead of failing on write.
    """
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(N_("must not contain NUL characters"))
    elif isinstance(value, dict):
        for key, item in value.items():
            refuse_nul(key)
            refuse_nul(item)
    elif isinstance(value, list | tuple):
        for item in value:
            refuse_nul(item)
    return value
