"""Errors of the diagnostics domain, each with a one-line ``message``.

They derive from the project-wide :class:`itsm.errors.ItsmError`, so the CLI
and the API map them to an exit code or HTTP status through ``kind`` like
any other domain error. Probe failures are *not* errors: they are data
(an ``unknown`` status in the snapshot).
"""

from __future__ import annotations

from pathlib import Path

from itsm.errors import N_, ErrorKind, ItsmError


class DiagnosticsError(ItsmError):
    """Base of every diagnostics error."""


class ReportDirectoryNotWritable(DiagnosticsError):
    kind = ErrorKind.CONFIG

    def __init__(self, directory: Path, reason: str) -> None:
        super().__init__(
            N_("cannot write diagnostics reports to %(directory)s: %(reason)s"),
            directory=directory,
            reason=reason,
        )
        self.directory = directory


class ReportNotFound(DiagnosticsError):
    kind = ErrorKind.NOT_FOUND

    def __init__(self, ref: str | Path) -> None:
        super().__init__(N_("diagnostics report %(ref)s does not exist"), ref=ref)
        self.ref = ref


class InvalidReport(DiagnosticsError):
    kind = ErrorKind.INVALID

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(
            N_("%(source)s is not a valid diagnostics report: %(reason)s"),
            source=source,
            reason=reason,
        )
        self.source = source


class ReportHostMismatch(DiagnosticsError):
    """A host-bound agent token sent a report about another host: the batch is refused."""

    kind = ErrorKind.FORBIDDEN


class AgentMustStop(DiagnosticsError):
    """The server refused the agent itself: retrying cannot help, the watch loop ends."""


class AgentTokenRefused(AgentMustStop):
    kind = ErrorKind.UNAUTHENTICATED


class AgentForbidden(AgentMustStop):
    kind = ErrorKind.FORBIDDEN


class NoReportEndpoint(AgentMustStop):
    kind = ErrorKind.CONFIG


class SpoolNotWritable(DiagnosticsError):
    kind = ErrorKind.CONFIG

    def __init__(self, directory: Path, reason: str) -> None:
        super().__init__(
            N_("cannot use the report spool %(directory)s: %(reason)s"),
            directory=directory,
            reason=reason,
        )
        self.directory = directory
