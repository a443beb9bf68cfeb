"""Security headers on every response, and whether a request came over TLS."""

from __future__ import annotations

from fastapi import Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from itsm.config import Settings
from itsm.server import client_address as addresses

# No inline script or style anywhere: pages load only their own files.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}


class SecurityHeaders:
    """Pure ASGI middleware: the headers above on every response, and the CSP on all
    but the API's Swagger page (``exempt``), which loads its scripts from elsewhere."""

    def __init__(self, app: ASGIApp, *, exempt: tuple[str, ...] = ()) -> None:
        self.app = app
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        strict = not str(scope.get("path", "")).startswith(self.exempt)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _HEADERS.items():
                    headers.setdefault(name, value)
                if strict:
                    headers.setdefault("content-security-policy", CONTENT_SECURITY_POLICY)
            await send(message)

        await self.app(scope, receive, with_headers)


def over_tls(request: Request) -> bool:
    """Whether the browser reached us over HTTPS: directly, or through a trusted proxy
    that says so in ``X-Forwarded-Proto`` (nginx in docs/operations.md)."""
    if request.url.scheme == "https":
        return True
    cfg: Settings = request.app.state.settings
    peer = request.client.host if request.client else ""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return forwarded == "https" and addresses.from_trusted_proxy(
        peer, tuple(cfg.api.trusted_proxies)
    )
