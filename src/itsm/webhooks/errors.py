"""Errors of the webhooks domain."""

from __future__ import annotations

from itsm.errors import N_, Conflict, InvalidInput, NotFound


class WebhookNotFound(NotFound):
    def __init__(self, ref: object) -> None:
        super().__init__(N_("no webhook %(ref)s"), ref=str(ref))


class WebhookNameTaken(Conflict):
    def __init__(self, name: str) -> None:
        super().__init__(
            N_("a webhook named %(name)s exists already; choose another name"), name=repr(name)
        )


class RefusedAddress(InvalidInput):
    """A URL the desk will not post to (not http(s), or a private address)."""


class Unresolved(RefusedAddress):
    """The URL's host does not resolve (now: at delivery it may again later)."""
