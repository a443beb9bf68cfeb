"""Business rules for the hardware inventory."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from itsm.db.base import utcnow
from itsm.inventory.errors import AssetNotFound, AssetTagTaken
from itsm.inventory.models import Asset, AssetStatus, AssetType
from itsm.inventory.schemas import AssetCreate, HostFacts
from itsm.users import service as users


def create_asset(session: Session, *, data: AssetCreate) -> Asset:
    if session.scalar(select(Asset.id).where(Asset.asset_tag == data.asset_tag)) is not None:
        raise AssetTagTaken(f"asset tag {data.asset_tag!r} is already in the inventory")
    if data.machine_id is not None and session.scalar(
        select(Asset.id).where(Asset.machine_id == data.machine_id)
    ):
        raise AssetTagTaken(f"machine id {data.machine_id!r} is already in the inventory")
    if data.owner_id is not None:
        users.get_user(session, ref=data.owner_id)
    asset = Asset(**data.model_dump())
    session.add(asset)
    session.flush()
    return asset


def get_asset(session: Session, *, ref: int | str) -> Asset:
    """Find an item by id, asset tag or hostname."""
    text = str(ref).strip()
    asset: Asset | None = None
    if text.isdigit():
        asset = session.get(Asset, int(text))
    if asset is None:
        asset = session.scalar(select(Asset).where(Asset.asset_tag == text))
    if asset is None:
        asset = session.scalar(
            select(Asset).where(Asset.hostname == text).order_by(Asset.id).limit(1)
        )
    if asset is None:
        raise AssetNotFound(f"inventory item {text!r} does not exist (id, asset tag or hostname)")
    return asset


def list_assets(
    session: Session,
    *,
    status: AssetStatus | None = None,
    asset_type: AssetType | None = None,
    owner: str | None = None,
    limit: int = 100,
) -> Sequence[Asset]:
    stmt = select(Asset).order_by(Asset.id).limit(max(1, min(limit, 1000)))
    if status is not None:
        stmt = stmt.where(Asset.status == status)
    if asset_type is not None:
        stmt = stmt.where(Asset.asset_type == asset_type)
    if owner is not None:
        stmt = stmt.where(Asset.owner_id == users.get_user(session, ref=owner).id)
    return session.scalars(stmt).all()


def assign_owner(session: Session, *, ref: int | str, owner_ref: int | str | None) -> Asset:
    asset = get_asset(session, ref=ref)
    asset.owner_id = None if owner_ref is None else users.get_user(session, ref=owner_ref).id
    session.flush()
    return asset


def set_status(session: Session, *, ref: int | str, status: AssetStatus) -> Asset:
    asset = get_asset(session, ref=ref)
    asset.status = status
    session.flush()
    return asset


def upsert_host(session: Session, *, facts: HostFacts, seen_at: datetime | None = None) -> Asset:
    """Record a machine by its stable identity: the same row on every run.

    The identity (machine-id, else DMI UUID, else hostname) is stored in
    ``machine_id``; a new machine gets the asset tag ``HOST-<hostname>``
    (suffixed if taken). Two agents racing on a new machine end with one row:
    the unique index on ``machine_id`` makes the loser update the winner's row.
    """
    asset = session.scalar(select(Asset).where(Asset.machine_id == facts.identity))
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
        except IntegrityError:
            if attempts == 0:
                raise
            asset = session.scalar(select(Asset).where(Asset.machine_id == facts.identity))
    asset.hostname = facts.hostname
    for field in ("manufacturer", "model", "serial_number", "cpu", "cpu_cores", "ram_bytes", "os"):
        value = getattr(facts, field)
        if value is not None:
            setattr(asset, field, value)
    asset.disks = facts.disks
    asset.network = facts.network
    asset.last_seen_at = seen_at or utcnow()
    session.flush()
    return asset


def _free_tag(session: Session, wanted: str) -> str:
    tag, n = wanted, 1
    while session.scalar(select(Asset.id).where(Asset.asset_tag == tag)) is not None:
        n += 1
        tag = f"{wanted[:58]}-{n}"
    return tag
