"""Errors of the inventory domain."""

from itsm.errors import Conflict, NotFound


class AssetNotFound(NotFound):
    pass


class AssetTagTaken(Conflict):
    pass
