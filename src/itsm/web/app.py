"""Mount the web app on the server's FastAPI app (``itsm.server.app``): routes, static files,
error pages."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware

from itsm.errors import Said
from itsm.web import desk_errors
from itsm.web.routes import (
    admin,
    admin_tokens,
    admin_webhooks,
    auth,
    dashboard,
    desk,
    files,
    inbox,
    inventory,
    kb,
    kb_staff,
    me,
    portal,
    push,
    queue,
)
from itsm.web.security import SecurityHeaders
from itsm.web.session import LoginRequired, csrf_guard, language
from itsm.web.templating import render

#: Paths the web app does not answer: the API and the probes keep their JSON errors.
NOT_WEB = ("/api/", "/healthz", "/readyz", "/metrics")


def is_web(request: Request) -> bool:
    return not request.url.path.startswith(NOT_WEB)


def error_page(
    request: Request, status: int, detail: Said | None, headers: dict[str, str]
) -> Response | None:
    """A web request's error as a page in the visitor's language (``None``: an API one);
    ``detail`` is what was wrong (a message id and its parameters), if it says more
    than the status."""
    if not is_web(request):
        return None
    refused = desk_errors.action_of(request)
    if refused is None:
        context: dict[str, object] = {"status": status, "detail": detail}
    else:
        ref, action = refused
        context = {"status": status, "message": desk_errors.message(action, status), "ref": ref}
        if request.headers.get("hx-request"):
            return render(
                request,
                "desk/_problem.html",
                context,
                language=language(request),
                status=status,
                headers={**headers, **desk_errors.htmx_headers(action)},
            )
    return render(
        request, "error.html", context, language=language(request), status=status, headers=headers
    )


def _to_login(request: Request, exc: LoginRequired) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    location = "/login" if target == "/" else f"/login?next={quote(target, safe='')}"
    if request.headers.get("hx-request"):  # htmx follows this header, not a 303
        return Response(status_code=204, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)


def install(app: FastAPI, *, docs_path: str) -> None:
    """Add the web app's routes, static files and headers to ``app``."""
    # Compressed here too, not only behind nginx: a LAN install without a proxy sends
    # a third of the bytes. Only the static files: the event streams must not be buffered.
    static = GZipMiddleware(StaticFiles(packages=[("itsm.web", "static")]), minimum_size=1024)
    app.mount("/static", static, name="static")
    app.include_router(auth.router, include_in_schema=False)
    pages = (
        portal,
        files,
        desk,
        kb,
        kb_staff,
        dashboard,
        queue,
        inventory,
        me,
        push,
        inbox,
        admin,
        admin_tokens,
        admin_webhooks,
    )
    for module in pages:
        app.include_router(
            module.router, include_in_schema=False, dependencies=[Depends(csrf_guard)]
        )
    app.add_exception_handler(LoginRequired, _to_login)  # type: ignore[arg-type]
    app.add_middleware(SecurityHeaders, exempt=(docs_path,))
