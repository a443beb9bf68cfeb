"""Who may send and read diagnostic reports, decided here for every door.

Reports are sent by agent tokens with the ``reports`` scope and admins: anyone
else could forge a host's state. A host-bound agent token sends its own host's
reports only. The history is
for technicians and admins. ``None`` is the system: this host's own agent storing
what it collected, or a command with nobody to act as (see :mod:`itsm.accounts.policy`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from itsm.diagnostics.errors import ReportHostMismatch
from itsm.diagnostics.hostfacts import MAX_IDENTITY, identity_of, stored_identity
from itsm.diagnostics.report import HostIdentity, Report
from itsm.errors import N_, Forbidden
from itsm.users.models import Role

if TYPE_CHECKING:  # the storing agent does not load the accounts domain
    from itsm.accounts.principal import Principal


def check_send(who: Principal | None, reports: Sequence[Report]) -> None:
    """Refuse the whole batch unless ``who`` may send every report of it.

    A host-bound token's check is in memory, on the identity its lookup already read.
    """
    if who is None:
        return
    if not who.is_agent and who.user.role != Role.ADMIN:
        raise Forbidden(N_("only agent tokens and admins may send diagnostic reports"))
    # Here, not at the top, as in check_read: the storing agent (who is None) stays
    # without the accounts domain.
    from itsm.accounts.models import TokenScope
    from itsm.accounts.policy import check_scope

    check_scope(who, TokenScope.REPORTS)
    if who.bound_host is None:
        return
    for position, report in enumerate(reports, 1):
        identity = stored_identity(report)
        if identity != who.bound_host:
            raise ReportHostMismatch(
                N_(
                    "this agent token is bound to host %(bound_host)r; report %(position)s "
                    "of %(count)s (%(report_id)s) is from host %(hostname)r, identity "
                    "%(identity)r; nothing was stored"
                ),
                bound_host=who.bound_host,
                position=position,
                count=len(reports),
                report_id=report.report_id,
                hostname=report.host.hostname,
                identity=identity,
            )


def sees_stored(who: Principal | None, host: dict[str, object]) -> bool:
    """Whether ``who``, resending a report id already stored, may learn that stored
    report's ids: a host-bound token only for its own host's (``host`` is the stored
    report's ``host`` section)."""
    if who is None or who.bound_host is None:
        return True
    try:
        identity = identity_of(HostIdentity.model_validate(host))[:MAX_IDENTITY]
    except ValueError:  # not a host section this version reads: not provably its own
        return False
    return identity == who.bound_host


def check_read(who: Principal | None) -> None:
    """Technicians and admins read stored reports (the same words as the API's role gates)."""
    # Here, not at the top: the storing agent, which never reads reports, stays without
    # the accounts domain.
    from itsm.accounts.policy import require_person

    require_person(who)
    if who is not None and not who.user.is_staff:
        raise Forbidden(N_("only technicians and admins may do this"))
