"""Refuse request bodies over the configured size before reading them into memory."""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyLimit:
    """Pure ASGI middleware: 413 from ``Content-Length`` up front, or while streaming.

    A body without a length (chunked) is counted as it arrives. Past the limit the 413
    is sent at once and the app is told the client left, so it stops reading; whatever
    it answers after that is dropped. (Raising instead would reach the app's body
    parser, which answers 400.)
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        uploads: re.Pattern[str] | None = None,
        upload_bytes: int = 0,
        upload_detail: str = "",
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.uploads = uploads  # the POST paths that take files, up to ``upload_bytes``
        self.upload_bytes = upload_bytes
        self.upload_detail = upload_detail  # what an oversized upload is told

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, detail = self.max_bytes, ""
        if (
            self.uploads is not None
            and scope.get("method") == "POST"
            and self.uploads.fullmatch(str(scope.get("path", "")))
        ):
            limit, detail = max(limit, self.upload_bytes), self.upload_detail
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > limit:
                    await self._refuse(send, limit, detail)
                    return
        seen = 0
        started = False
        refused = False

        async def limited_receive() -> Message:
            nonlocal seen, refused
            if seen > limit:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    if not started:  # else the app has answered already: just stop it reading
                        refused = True
                        await self._refuse(send, limit, detail)
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, limited_receive, tracking_send)

    async def _refuse(self, send: Send, limit: int, detail: str) -> None:
        body = json.dumps(
            {
                "type": "urn:itsm:problem:payload-too-large",
                "title": "Payload too large",
                "status": 413,
                "detail": detail or f"request body is over the limit of {limit} bytes",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
