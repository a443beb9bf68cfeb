"""Errors of the tickets domain."""

from itsm.errors import Conflict, InvalidInput, NotFound


class TicketNotFound(NotFound):
    pass


class InvalidTransition(Conflict):
    """A status change the lifecycle does not allow; the message lists what is."""


class MergedDuplicate(InvalidTransition):
    """A duplicate merged into another ticket stays closed: the work goes on there."""


class InvalidCursor(InvalidInput):
    pass


class DuplicateFingerprint(Conflict):
    """An active ticket already carries this monitoring fingerprint."""
