"""Agent tokens bound to one host: the binding's identity, and the service's refusal.

The rule lives in the diagnostics policy, which ``process_reports`` calls with the
sender's principal, so it holds for every door;
the token keeps the host's machine identity, which the token lookup reads with the
rest of the token: checking a batch costs no statement. SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from itsm.accounts import service as accounts
from itsm.accounts.models import TokenKind, TokenScope
from itsm.accounts.principal import Principal
from itsm.accounts.schemas import TokenCreate
from itsm.diagnostics import service
from itsm.diagnostics.errors import ReportHostMismatch
from itsm.diagnostics.hostfacts import stored_identity
from itsm.diagnostics.models import DiagnosticReport
from itsm.diagnostics.report import HostIdentity
from itsm.diagnostics.severity import Severity
from itsm.errors import ErrorKind, InvalidInput
from itsm.inventory import service as inventory
from itsm.inventory.errors import AssetNotFound, NoMachineIdentity
from itsm.inventory.models import Asset, AssetType
from itsm.inventory.schemas import AssetCreate
from itsm.tickets.models import Ticket
from itsm.users.models import Role, User
from tests.factories import make_user
from tests.integration.diag_tickets.support import DEFAULT_POLICY, UTC, disk, host, report

CRITICAL, HEALTHY = disk(Severity.CRITICAL, 97.0), disk(Severity.HEALTHY, 40.0)


def _process(
    session: Session, *reports: Any, bound_host: str | None = None
) -> list[service.Processed]:
    sender = None
    if bound_host is not None:  # a host-bound agent token, as its lookup gives it
        owner = User(username="agent-owner", full_name="Agent owner", role=Role.ADMIN)
        sender = Principal(
            user=owner,
            token_kind=TokenKind.AGENT,
            bound_host=bound_host,
            scopes=frozenset({TokenScope.REPORTS}),
        )
    return service.process_reports(
        session,
        submissions=[service.Submission(r) for r in reports],
        zone=UTC,
        policy=DEFAULT_POLICY,
        sender=sender,
    )


def _stored(session: Session, *reports: Any) -> int:
    ids = [str(r.report_id) for r in reports]
    stmt = select(func.count()).select_from(DiagnosticReport)
    return session.scalar(stmt.where(DiagnosticReport.report_id.in_(ids))) or 0


@contextmanager
def _statements(session: Session) -> Iterator[list[str]]:
    seen: list[str] = []
    bind = session.connection()

    def keep(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(bind, "before_cursor_execute", keep)
    try:
        yield seen
    finally:
        event.remove(bind, "before_cursor_execute", keep)


def test_a_bound_batch_with_one_report_of_another_host_is_refused_whole(
    session: Session,
) -> None:
    mine, other = host("web-01"), host("db-02")
    bound = f"machine-id:{mine.machine_id}"
    batch = [report(mine, [CRITICAL]), report(mine, [HEALTHY]), report(other, [CRITICAL])]
    tickets_before = session.scalar(select(func.count()).select_from(Ticket))

    with pytest.raises(ReportHostMismatch) as refused:
        _process(session, *batch, bound_host=bound)

    assert refused.value.kind is ErrorKind.FORBIDDEN
    assert refused.value.message == (
        f"this agent token is bound to host {bound!r}; report 3 of 3 "
        f"({batch[2].report_id}) is from host 'db-02', identity "
        f"'machine-id:{other.machine_id}'; nothing was stored"
    )
    assert _stored(session, *batch) == 0
    identities = [f"machine-id:{m.machine_id}" for m in (mine, other)]
    assets = select(func.count()).select_from(Asset).where(Asset.machine_id.in_(identities))
    assert session.scalar(assets) == 0
    assert session.scalar(select(func.count()).select_from(Ticket)) == tickets_before

    done = _process(session, *batch[:2], bound_host=bound)  # its own host's: as unbound
    assert [p.duplicate for p in done] == [False, False]
    assert len(done[0].tickets.opened) == 1
    assert done[1].tickets.resolved == done[0].tickets.opened
    assert _stored(session, *batch) == 2


def test_the_binding_follows_the_machine_identity_not_the_hostname(session: Session) -> None:
    machine = host("web-01")
    bound = f"machine-id:{machine.machine_id}"
    renamed = HostIdentity(hostname="web-01-new", machine_id=machine.machine_id)
    assert not _process(session, report(renamed, [HEALTHY]), bound_host=bound)[0].duplicate
    namesake = host("web-01")  # another machine that took the name
    with pytest.raises(ReportHostMismatch, match="is from host 'web-01', identity"):
        _process(session, report(namesake, [HEALTHY]), bound_host=bound)
    # Without machine-id, the DMI UUID; only without both, the hostname (lower case).
    dmi = HostIdentity(hostname="VM-7", product_uuid="4C4C4544-0042")
    assert stored_identity(report(dmi, [])) == "dmi:4c4c4544-0042"
    _process(session, report(dmi, [HEALTHY]), bound_host="dmi:4c4c4544-0042")
    bare = HostIdentity(hostname="Kiosk-3")
    _process(session, report(bare, [HEALTHY]), bound_host="hostname:kiosk-3")


def test_checking_a_bound_batch_costs_no_statement(session: Session) -> None:
    bound_machine, free_machine = host("bound-01"), host("free-01")
    bound = f"machine-id:{bound_machine.machine_id}"
    _process(session, report(bound_machine, [HEALTHY]), bound_host=bound)
    _process(session, report(free_machine, [HEALTHY]))

    with _statements(session) as with_binding:
        _process(session, *(report(bound_machine, [HEALTHY]) for _ in range(5)), bound_host=bound)
    with _statements(session) as without:
        _process(session, *(report(free_machine, [HEALTHY]) for _ in range(5)))
    assert len(with_binding) == len(without)
    with _statements(session) as refused, pytest.raises(ReportHostMismatch):
        _process(session, report(free_machine, [HEALTHY]), bound_host=bound)
    assert refused == []  # refused before anything is read


def test_a_token_is_bound_by_identity_or_by_a_reported_inventory_item(session: Session) -> None:
    owner = make_user(session, username="agent-owner")
    machine = host("Web-01")
    identity = f"machine-id:{machine.machine_id}"
    asset_id = _process(session, report(machine, [HEALTHY]))[0].asset_id
    assert asset_id is not None
    tag = session.get_one(Asset, asset_id).asset_tag

    def bind(ref: str) -> str | None:
        data = TokenCreate(name="agent", kind=TokenKind.AGENT, host=ref)
        token, secret = accounts.create_token(session, owner=owner, data=data)
        assert accounts.principal_for(session, secret=secret).bound_host == token.host_identity
        return token.host_identity

    for ref in (tag, str(asset_id), "Web-01", identity, f" Machine-ID:{machine.machine_id} "):
        assert bind(ref) == identity, ref
    assert bind("DMI:4C4C4544-0042") == "dmi:4c4c4544-0042"
    assert bind("hostname:Kiosk-3") == "hostname:kiosk-3"

    unbound = TokenCreate(name="agent", kind=TokenKind.AGENT, scopes=[TokenScope.REPORTS])
    _, secret = accounts.create_token(session, owner=owner, data=unbound)
    assert accounts.principal_for(session, secret=secret).bound_host is None

    with pytest.raises(AssetNotFound, match="give its identity: machine-id:<id>, dmi:<uuid>"):
        bind("LAP/2024/404")
    manual = AssetCreate(asset_tag="LAP/2024/001", asset_type=AssetType.LAPTOP, machine_id="x1")
    inventory.create_asset(session, data=manual)
    with pytest.raises(NoMachineIdentity, match="'LAP/2024/001' was not recorded by a diag"):
        bind("LAP/2024/001")
    with pytest.raises(InvalidInput, match="only agent tokens may be bound to a host"):
        accounts.create_token(
            session,
            owner=owner,
            data=TokenCreate.model_construct(name="p", kind=TokenKind.PERSONAL, host=identity),
        )


def test_a_bound_token_replaying_another_hosts_report_id_learns_no_ids(session: Session) -> None:
    other, mine = host("db-02"), host("web-01")
    stored = _process(session, report(other, [CRITICAL]))[0]  # an unbound sender's report
    assert (stored.id, stored.asset_id) != (None, None)
    replay = report(mine, [HEALTHY])
    replay = replay.model_copy(update={"report_id": stored.report_id})
    bound = f"machine-id:{mine.machine_id}"
    done = _process(session, replay, bound_host=bound)[0]
    assert done.duplicate
    assert (done.id, done.asset_id) == (None, None)
    # Its own host's resend still gets the stored ids, as any duplicate does.
    own = _process(session, report(mine, [HEALTHY]), bound_host=bound)[0]
    again = _process(
        session,
        report(mine, [HEALTHY]).model_copy(update={"report_id": own.report_id}),
        bound_host=bound,
    )[0]
    assert again.duplicate
    assert (again.id, again.asset_id) == (own.id, own.asset_id)
