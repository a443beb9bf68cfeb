"""Errors of the inventory domain."""

from itsm.errors import Conflict, InvalidInput, NotFound


class AssetNotFound(NotFound):
    pass


class AssetTagTaken(Conflict):
    pass


class NoMachineIdentity(InvalidInput):
    """The item was never recorded by a diagnostics report: no identity to bind a token to."""


class AmbiguousHostname(InvalidInput):
    """A hostname that several inventory items have, where one machine must be named."""
