"""Errors of the users domain."""

from itsm.errors import Conflict, Forbidden, InvalidInput, NotFound


class UserNotFound(NotFound):
    pass


class UsernameTaken(Conflict):
    pass


class NotStaff(InvalidInput):
    """A ticket can only be assigned to a technician or an admin."""


class InactiveUser(InvalidInput):
    pass


class SelfLockout(Forbidden):
    """An admin may not deactivate themselves or give up their own admin role."""


class LastAdmin(Conflict):
    """The last active admin may not be deactivated or demoted: no one could manage users."""
