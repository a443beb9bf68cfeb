"""Errors as RFC 9457 ``application/problem+json``, one stable ``type`` per domain error.

``type`` is ``urn:itsm:problem:<slug>`` where the slug comes from the error class
(``TicketNotFound`` → ``ticket-not-found``), so clients can branch on it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from itsm.errors import N_, ErrorKind, ItsmError, Phrase, RateLimited, Said, render
from itsm.validation import explain

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:itsm:problem:"

STATUS_BY_KIND: dict[ErrorKind, int] = {
    ErrorKind.INVALID: 422,
    ErrorKind.TOO_LARGE: 413,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.UNAUTHENTICATED: 401,
    ErrorKind.RATE_LIMITED: 429,
    ErrorKind.UNAVAILABLE: 503,
    ErrorKind.NOT_MIGRATED: 503,
    ErrorKind.MAIL_UNAVAILABLE: 503,
    ErrorKind.CONFIG: 500,
}
_HTTP_SLUGS = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "invalid-input",
    429: "rate-limited",
    500: "internal-error",
    503: "unavailable",
}
_TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
}


class Problem(BaseModel):
    """RFC 9457 problem details, as every error response carries them."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[dict[str, str]] | None = None


def _documented(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description, "content": {MEDIA_TYPE: {}}}


# Declared on every route so the OpenAPI document lists what a client may get back.
COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _documented("Malformed request (e.g. broken JSON)"),
    401: _documented("Missing, wrong, expired or revoked token"),
    403: _documented("The caller's role may not do this"),
    404: _documented("No such object (or not visible to the caller)"),
    409: _documented("Conflicts with the current state"),
    413: _documented("Request body over the size limit"),
    422: _documented("Invalid input: the fields and what is allowed"),
    429: _documented("Too many failed logins"),
    503: _documented("Database unreachable or not migrated"),
}


def slug(error: type[BaseException]) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", error.__name__).lower()


def problem(
    status: int,
    type_slug: str,
    detail: str,
    *,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + type_slug,
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if not isinstance(p, int)]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


def _said(err: dict[str, Any]) -> Said:
    """One error, phrased for a person: the field and what is allowed."""
    field = _field(tuple(err.get("loc", ())))
    said = explain(field, err)
    if said is not None:
        return said
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        return N_("unknown field %(field)r"), {"field": field}
    if kind == "json_invalid":
        return N_("body is not valid JSON: %(reason)s"), {"reason": ctx.get("error", "parse error")}
    reason = Phrase(str(err.get("msg", "invalid")).removeprefix("Value error, "))
    return N_("invalid %(field)s: %(reason)s"), {"field": field, "reason": reason}


#: Renders an error as a web page for a request of the web app (``None``: not one); the
#: page words the error (a message id and its parameters) in the visitor's language.
PageRenderer = Callable[[Request, int, Said | None, dict[str, str]], Response | None]


def install(app: FastAPI, *, page: PageRenderer | None = None) -> None:
    """Register the handlers that turn every failure into a problem document, or into
    the web app's error page (``page``) for a request the web app serves."""

    def answer(
        request: Request,
        status: int,
        type_slug: str,
        detail: str,
        said: Said | None = None,
        **extra: Any,
    ) -> Response:
        headers: dict[str, str] = extra.pop("headers", None) or {}
        if page is not None:
            shown = page(request, status, said, headers)
            if shown is not None:
                return shown
        return problem(
            status, type_slug, detail, instance=request.url.path, headers=headers, **extra
        )

    @app.exception_handler(ItsmError)
    async def _domain(request: Request, exc: ItsmError) -> Response:
        status = STATUS_BY_KIND.get(exc.kind, 500)
        headers: dict[str, str] = {}
        if status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="itsm"'
        if isinstance(exc, RateLimited):
            headers["Retry-After"] = str(exc.retry_after)
        said = (exc.template, exc.params)
        return answer(request, status, slug(type(exc)), exc.message, said, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = [dict(e) for e in exc.errors()]
        broken_json = any(e.get("type") == "json_invalid" for e in errors)
        said = [_said(e) for e in errors]
        fields = [
            {"field": _field(tuple(e.get("loc", ()))), "message": render(*s)}
            for e, s in zip(errors, said, strict=True)
        ]
        status = 400 if broken_json else 422
        return answer(
            request,
            status,
            "malformed-json" if broken_json else "invalid-input",
            "; ".join(f["message"] for f in fields[:3]),
            said[0] if said else None,
            errors=fields,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, "")
        return answer(
            request,
            exc.status_code,
            _HTTP_SLUGS.get(exc.status_code, f"http-{exc.status_code}"),
            detail,
            headers=dict(exc.headers or {}),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return answer(request, 500, "internal-error", "unexpected server error; see the server log")
