"""Errors of the tickets domain."""

from itsm.errors import Conflict, InvalidInput, NotFound


class TicketNotFound(NotFound):
    pass


class InvalidTransition(Conflict):
    """A status change the lifecycle does not allow; the message lists what is."""


class InvalidCursor(InvalidInput):
    pass


class DuplicateFingerprint(Conflict):
    """An active ticket already carries this monitoring fingerprint."""
