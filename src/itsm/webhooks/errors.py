"""Errors of the webhooks domain."""

from __future__ import annotations

from itsm.errors import Conflict, InvalidInput, NotFound


class WebhookNotFound(NotFound):
    def __init__(self, ref: object) -> None:
        super().__init__(f"no webhook {ref!s}")


class WebhookNameTaken(Conflict):
    def __init__(self, name: str) -> None:
        super().__init__(f"a webhook named {name!r} exists already; choose another name")


class RefusedAddress(InvalidInput):
    """A URL the desk will not post to (not http(s), or a private address)."""


class Unresolved(RefusedAddress):
    """The URL's host does not resolve (now: at delivery it may again later)."""
