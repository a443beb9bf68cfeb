"""Errors of the reports domain."""

from __future__ import annotations

from itsm.errors import InvalidInput


class InvalidPeriod(InvalidInput):
    """A report period that cannot be read, or that is empty."""
