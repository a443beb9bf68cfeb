"""Business rules for the hardware inventory."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, Update, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from itsm.db.base import utcnow
from itsm.db.ids import parse_id
from itsm.errors import N_
from itsm.events import domain as events
from itsm.inventory import policy
from itsm.inventory.errors import (
    AmbiguousHostname,
    AssetNotFound,
    AssetTagTaken,
    NoMachineIdentity,
)
from itsm.inventory.models import Asset, AssetStatus, AssetType
from itsm.inventory.schemas import AssetCreate, AssetRead, HostFacts, reserved_tag_ending
from itsm.users import service as users
from itsm.users.models import User

if TYPE_CHECKING:  # the storing agent does not load the accounts domain
    from itsm.accounts.principal import Principal


def create_asset(session: Session, *, data: AssetCreate, actor_id: int | None = None) -> Asset:
    if session.scalar(select(Asset.id).where(Asset.asset_tag == data.asset_tag)) is not None:
        raise AssetTagTaken(
            N_("asset tag %(asset_tag)r is already in the inventory"), asset_tag=data.asset_tag
        )
    if data.machine_id is not None and session.scalar(
        select(Asset.id).where(Asset.machine_id == data.machine_id)
    ):
        raise AssetTagTaken(
            N_("machine id %(machine_id)r is already in the inventory"), machine_id=data.machine_id
        )
    if data.owner_id is not None:
        users.get_user(session, ref=data.owner_id)
    asset = Asset(**data.model_dump())
    try:
        with session.begin_nested():  # a concurrent twin got in first: the same refusal
            session.add(asset)
            session.flush()
    except IntegrityError:
        raise AssetTagTaken(
            N_("asset tag %(asset_tag)r or machine id %(machine_id)r is already in the inventory"),
            asset_tag=data.asset_tag,
            machine_id=data.machine_id,
        ) from None
    _told(session, events.ASSET_CREATED, asset, actor_id)
    return asset


def _told(session: Session, kind: str, asset: Asset, actor_id: int | None, **facts: Any) -> None:
    told = events.DomainEvent(kind=kind, asset_id=asset.id, actor_id=actor_id, **facts)
    events.emit(session, told)


def add_asset(
    session: Session,
    *,
    who: Principal | None,
    data: AssetCreate,
    owner_ref: int | str | None = None,
) -> Asset:
    """:func:`create_asset` on behalf of ``who``, as :mod:`.policy` allows; ``owner_ref``
    (an id or a username) names the owner instead of ``data.owner_id``, looked up only
    once ``who`` may add items."""
    policy.check_write(who)
    if owner_ref is not None:
        data = data.model_copy(update={"owner_id": users.get_user(session, ref=owner_ref).id})
    return create_asset(session, data=data, actor_id=events.actor_id(who))


def show_asset(session: Session, *, who: Principal | None, ref: int | str) -> Asset:
    """:func:`get_asset` on behalf of ``who``, as :mod:`.policy` allows."""
    policy.check_read(who)
    return get_asset(session, ref=ref)


def get_asset(session: Session, *, ref: int | str) -> Asset:
    """Find an item by id, asset tag or hostname; a hostname several items have names
    none of them (:class:`AmbiguousHostname`)."""
    text = str(ref).strip()
    if len(text) > _MAX_REF or "\x00" in text:  # no item has it; PostgreSQL refuses a NUL
        raise asset_not_found(text)
    key = parse_id(text)
    asset = session.get(Asset, key) if key is not None else None
    if asset is None:
        asset = session.scalar(select(Asset).where(Asset.asset_tag == text))
    if asset is None:
        named = session.scalars(
            select(Asset).where(Asset.hostname == text).order_by(Asset.id).limit(2)
        ).all()
        if len(named) > 1:  # a hostname names no one item: never pick one of them
            _require_one_host(session, text, "give the item's id or asset tag")
        asset = named[0] if named else None
    if asset is None:
        raise asset_not_found(text)
    return asset


_MAX_REF = 255  # the longest hostname


def asset_reads(session: Session, assets: Sequence[Asset]) -> list[AssetRead]:
    """``assets`` in their public shape, each owner named by username (one query for all)."""
    owners = {a.owner_id for a in assets if a.owner_id is not None}
    names: dict[int, str] = {}
    if owners:
        rows = session.execute(select(User.id, User.username).where(User.id.in_(owners)))
        names = {key: name for key, name in rows}
    return [
        AssetRead.model_validate(a).model_copy(update={"owner": names.get(a.owner_id or 0)})
        for a in assets
    ]


def asset_read(session: Session, asset: Asset) -> AssetRead:
    return asset_reads(session, [asset])[0]


def asset_not_found(text: str) -> AssetNotFound:
    return AssetNotFound(
        N_("inventory item %(text)r does not exist (id, asset tag or hostname)"),
        text=text[:_MAX_REF],
    )


# A machine identity as diagnostics reports key machines by (machine-id, else DMI
# product UUID, else hostname: itsm.diagnostics.hostfacts.machine_identity), kept in
# ``machine_id``; per kind, whether its value is compared in lower case.
_IDENTITY_KINDS = {"machine-id": False, "dmi": True, "hostname": True}
_MAX_IDENTITY = 128  # the machine_id column
_IDENTITY_FORMS = "machine-id:<id>, dmi:<uuid> or hostname:<name>"


def _as_identity(text: str) -> str | None:
    """``text`` as a normalised machine identity, or ``None`` if it is not one."""
    kind, sep, value = text.partition(":")
    kind, value = kind.strip().lower(), value.strip()
    if not sep or kind not in _IDENTITY_KINDS or not value:
        return None
    return f"{kind}:{value.lower() if _IDENTITY_KINDS[kind] else value}"[:_MAX_IDENTITY]


def host_identity(session: Session, *, ref: int | str) -> str:
    """The machine identity of a host, as an agent token is bound to it.

    ``ref`` is either an identity in the form reports carry it (``machine-id:<id>``,
    ``dmi:<uuid>`` or ``hostname:<name>``: for a host that has not reported yet),
    normalised as the reports' own, or an inventory item (id, asset tag or hostname)
    recorded by a diagnostics report, whose identity is read. A host's identity is
    its machine-id, else its DMI product UUID, and only without both its hostname:
    what the inventory and the diagnostics tickets key a machine by, which renaming
    the host does not change. A hostname that several items have names no one
    machine: :class:`AmbiguousHostname`, rather than binding the token to one of them.
    """
    text = str(ref).strip()
    identity = _as_identity(text)
    if identity is not None:
        return identity
    try:
        asset = get_asset(session, ref=text)
    except AmbiguousHostname as exc:
        raise AmbiguousHostname(
            N_("%(message)s, or the host's identity: %(identity_forms)s"),
            message=exc.message,
            identity_forms=_IDENTITY_FORMS,
        ) from None
    except AssetNotFound:
        raise AssetNotFound(
            N_(
                "inventory item %(text)r does not exist (id, asset tag or hostname); "
                "for a host that has not reported yet, give its identity: "
                "%(identity_forms)s"
            ),
            text=text[:_MAX_REF],
            identity_forms=_IDENTITY_FORMS,
        ) from None
    stored = asset.machine_id
    if stored is None or stored.partition(":")[0] not in _IDENTITY_KINDS:
        raise NoMachineIdentity(
            N_(
                "inventory item %(asset_tag)r was not recorded by a diagnostics "
                "report, so it has no machine identity; give the host's: "
                "%(identity_forms)s"
            ),
            asset_tag=asset.asset_tag,
            identity_forms=_IDENTITY_FORMS,
        )
    return stored


def _require_one_host(session: Session, hostname: str, hint: str) -> None:
    """:class:`AmbiguousHostname` if more than one item has ``hostname``; ``hint`` says
    what to give instead."""
    shown = 5
    tags = session.scalars(
        select(Asset.asset_tag)
        .where(Asset.hostname == hostname)
        .order_by(Asset.id)
        .limit(shown + 1)
    ).all()
    if len(tags) > 1:
        listed = ", ".join(repr(t) for t in tags[:shown]) + (", …" if len(tags) > shown else "")
        raise AmbiguousHostname(
            N_(
                "%(how_many)s inventory items have the hostname %(hostname)r (%(listed)s); %(hint)s"
            ),
            how_many=len(tags) if len(tags) <= shown else "more than " + str(shown),
            hostname=hostname,
            listed=listed,
            hint=hint,
        )


def list_assets(
    session: Session,
    *,
    who: Principal | None,
    status: AssetStatus | None = None,
    asset_type: AssetType | None = None,
    owner: str | None = None,
    limit: int = 100,
) -> Sequence[Asset]:
    policy.check_read(who)
    stmt = select(Asset).order_by(Asset.id).limit(max(1, min(limit, 1000)))
    if status is not None:
        stmt = stmt.where(Asset.status == status)
    if asset_type is not None:
        stmt = stmt.where(Asset.asset_type == asset_type)
    if owner is not None:
        stmt = stmt.where(Asset.owner_id == users.get_user(session, ref=owner).id)
    return session.scalars(stmt).all()


def assign_owner(
    session: Session, *, who: Principal | None, ref: int | str, owner_ref: int | str | None
) -> Asset:
    policy.check_write(who)
    asset = get_asset(session, ref=ref)
    owner_id = None if owner_ref is None else users.get_user(session, ref=owner_ref).id
    if asset.owner_id != owner_id:
        asset.owner_id = owner_id
        session.flush()
        _told(session, events.ASSET_ASSIGNED, asset, events.actor_id(who), user_id=owner_id)
    return asset


def set_status(
    session: Session, *, who: Principal | None, ref: int | str, status: AssetStatus
) -> Asset:
    policy.check_write(who)
    asset = get_asset(session, ref=ref)
    if asset.status != status:
        asset.status = status
        session.flush()
        _told(session, events.ASSET_STATUS_CHANGED, asset, events.actor_id(who), status=status)
    return asset


def upsert_host(
    session: Session,
    *,
    who: Principal | None,
    facts: HostFacts,
    seen_at: datetime | None = None,
) -> Asset:
    """Record a machine by its stable identity: the same row on every run.

    The identity (machine-id, else DMI UUID, else hostname) is stored in
    ``machine_id``; a new machine gets the asset tag ``HOST-<hostname>``
    (suffixed if taken). Two agents racing on a new machine end with one row:
    the unique index on ``machine_id`` makes the loser update the winner's row.
    ``who`` records it as :mod:`.policy` allows (reports are stored by the system).
    """
    policy.check_write(who)
    asset = session.scalar(select(Asset).where(Asset.machine_id == facts.identity))
    if asset is None:
        asset = _new_host(session, facts)
    _record(asset, facts, seen_at or utcnow())
    session.flush()
    return asset


def upsert_hosts(
    session: Session, *, hosts: Sequence[tuple[HostFacts, datetime]]
) -> dict[str, int]:
    """:func:`upsert_host` for many machines (one entry each); their ids by identity.

    Built for a server taking reports from many hosts: one light query finds the
    machines already known and one ``UPDATE`` executed for all of them records
    their facts, without loading them as objects; new machines take
    :func:`upsert_host`'s careful path one by one.
    """
    identities = [facts.identity for facts, _ in hosts]
    if len(set(identities)) != len(identities):
        raise ValueError("upsert_hosts takes one entry per machine; merge_facts merges them")
    known: dict[str, int] = {
        machine_id: asset_id
        for machine_id, asset_id in session.execute(
            select(Asset.machine_id, Asset.id).where(Asset.machine_id.in_(identities))
        )
        if machine_id is not None
    }
    changes = []
    for facts, seen_at in hosts:
        asset_id = known.get(facts.identity)
        if asset_id is None:
            asset = _new_host(session, facts)
            _record(asset, facts, seen_at)
            known[facts.identity] = asset.id
            continue
        changes.append(
            {
                "asset_id": asset_id,
                "hostname": facts.hostname,
                **{field: getattr(facts, field) for field in _KEPT_WHEN_UNKNOWN},
                "disks": facts.disks,
                "network": facts.network,
                "last_seen_at": seen_at,
            }
        )
    session.flush()
    if changes:
        session.execute(_RECORD_HOST, changes)
        for change in changes:  # objects of these rows in the session are stale now
            stale = session.identity_map.get(identity_key(Asset, change["asset_id"]))
            if stale is not None:
                session.expire(stale)
    return {identity: known[identity] for identity in identities}


def _record_host_statement() -> Update:
    """What :func:`_record` does, as one statement to execute for many rows."""
    table = Asset.__table__
    assert isinstance(table, Table)
    values: dict[str, Any] = {
        "hostname": bindparam("hostname"),
        "disks": bindparam("disks", type_=table.c.disks.type),
        "network": bindparam("network", type_=table.c.network.type),
        "last_seen_at": bindparam("last_seen_at", type_=table.c.last_seen_at.type),
    }
    for field in _KEPT_WHEN_UNKNOWN:  # a value the facts do not know stays as it is
        column = table.c[field]
        values[field] = func.coalesce(bindparam(field, type_=column.type), column)
    return update(table).where(table.c.id == bindparam("asset_id")).values(values)


def _new_host(session: Session, facts: HostFacts) -> Asset:
    asset = None
    attempts = 5  # a new machine of the same host name may take the tag first: pick another
    while asset is None:
        attempts -= 1
        try:
            with session.begin_nested():
                asset = Asset(
                    asset_tag=_free_tag(session, f"HOST-{facts.hostname}"[:64]),
                    machine_id=facts.identity,
                    asset_type=AssetType.VIRTUAL_MACHINE if facts.virtual else AssetType.SERVER,
                    status=AssetStatus.IN_USE,
                )
                session.add(asset)
                session.flush()
                _told(session, events.ASSET_CREATED, asset, None)  # dropped if rolled back
        except IntegrityError:
            if attempts == 0:
                raise
            asset = session.scalar(select(Asset).where(Asset.machine_id == facts.identity))
    return asset


def _record(asset: Asset, facts: HostFacts, seen_at: datetime) -> None:
    asset.hostname = facts.hostname
    for field in _KEPT_WHEN_UNKNOWN:
        value = getattr(facts, field)
        if value is not None:
            setattr(asset, field, value)
    asset.disks = facts.disks
    asset.network = facts.network
    asset.last_seen_at = seen_at


def merge_facts(facts: Sequence[HostFacts]) -> HostFacts:
    """One machine's successive facts as one: upserting it once leaves what upserting
    each in turn would (the last hostname, disks and network; the last known value of
    each optional field; the first sample's kind, which only a new row uses)."""
    if not facts:
        raise ValueError("merge_facts needs at least one HostFacts")
    if len({f.identity for f in facts}) != 1:
        raise ValueError("merge_facts merges the facts of one machine only")
    if len(facts) == 1:
        return facts[0]
    last = facts[-1]
    known = {
        field: next((v for f in reversed(facts) if (v := getattr(f, field)) is not None), None)
        for field in _KEPT_WHEN_UNKNOWN
    }
    return last.model_copy(update={**known, "virtual": facts[0].virtual})


_KEPT_WHEN_UNKNOWN = (
    "manufacturer",
    "model",
    "serial_number",
    "cpu",
    "cpu_cores",
    "ram_bytes",
    "os",
)
_RECORD_HOST = _record_host_statement()


def _free_tag(session: Session, wanted: str) -> str:
    """``wanted``, or ``wanted-2``, ``-3``…: the first tag no item has and that does not
    end in a route's ending (a host named ``x/owner``: ``HOST-x/owner-2``)."""
    tag, n = wanted, 1
    while (
        reserved_tag_ending(tag) is not None
        or session.scalar(select(Asset.id).where(Asset.asset_tag == tag)) is not None
    ):
        n += 1
        tag = f"{wanted[:58]}-{n}"
    return tag
