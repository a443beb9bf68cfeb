"""Hardware inventory on both databases, and tickets about a machine."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from itsm.errors import ErrorKind, InvalidInput
from itsm.inventory import service as inventory
from itsm.inventory.errors import AssetNotFound, AssetTagTaken
from itsm.inventory.models import Asset, AssetStatus, AssetType
from itsm.inventory.schemas import AssetCreate
from itsm.tickets import queries
from itsm.tickets import service as tickets
from itsm.tickets.schemas import TicketFilters, TicketUpdate
from itsm.users.errors import UserNotFound
from itsm.validation import validated
from tests.factories import make_ticket, make_user

from .support import event_rows, ticket_count

DISKS = [{"device": "/dev/nvme0n1", "size_bytes": 512_000_000_000, "label": "Système"}]
NETWORK = [{"interface": "eth0", "mac": "aa:bb:cc:dd:ee:ff", "ips": ["10.0.0.7", "fe80::1"]}]


def _asset(session: Session, tag: str = "PC-0001", **fields: Any) -> Asset:
    data = {"asset_tag": tag, "asset_type": "desktop", **fields}
    return inventory.create_asset(session, data=validated(AssetCreate, data))


def test_create_and_read_back(session: Session) -> None:
    owner = make_user(session)
    asset = _asset(
        session,
        hostname="pc-contab-01",
        manufacturer="Dell",
        cpu_cores=8,
        ram_bytes=34_359_738_368,
        disks=DISKS,
        network=NETWORK,
        owner_id=owner.id,
        purchase_date="2024-02-29",
    )
    session.expire_all()
    stored = inventory.get_asset(session, ref=asset.id)
    assert (stored.asset_tag, stored.asset_type, stored.status) == ("PC-0001", "desktop", "in_use")
    assert stored.ram_bytes == 34_359_738_368  # past 32 bits
    assert stored.disks == DISKS
    assert stored.network == NETWORK
    assert stored.owner_id == owner.id
    assert str(stored.purchase_date) == "2024-02-29"


def test_duplicate_tag_is_refused(session: Session) -> None:
    _asset(session, "LAP-7")
    with pytest.raises(AssetTagTaken) as info:
        _asset(session, "LAP-7", asset_type="laptop")
    assert info.value.message == "asset tag 'LAP-7' is already in the inventory"
    assert info.value.kind is ErrorKind.CONFLICT
    assert len(inventory.list_assets(session, who=None)) == 1


def test_bad_input_is_refused(session: Session) -> None:
    with pytest.raises(InvalidInput, match="invalid asset_type 'toaster'; allowed: desktop"):
        _asset(session, asset_type="toaster")
    with pytest.raises(InvalidInput, match="asset_tag must not be empty"):
        _asset(session, "  ")
    with pytest.raises(UserNotFound):
        _asset(session, owner_id=987654)
    assert inventory.list_assets(session, who=None) == []


def test_get_by_id_tag_or_hostname(session: Session) -> None:
    asset = _asset(session, "SRV-0001", asset_type="server", hostname="fileserver")
    assert inventory.get_asset(session, ref=asset.id) is asset
    assert inventory.get_asset(session, ref=str(asset.id)) is asset
    assert inventory.get_asset(session, ref=" SRV-0001 ") is asset
    assert inventory.get_asset(session, ref="fileserver") is asset


@pytest.mark.parametrize("ref", [987654, "NOPE-1", "no-such-host"])
def test_unknown_asset_is_not_found(session: Session, ref: int | str) -> None:
    _asset(session)
    with pytest.raises(AssetNotFound) as info:
        inventory.get_asset(session, ref=ref)
    assert info.value.message == (
        f"inventory item {str(ref)!r} does not exist (id, asset tag or hostname)"
    )


def test_assign_and_clear_the_owner(session: Session) -> None:
    ana = make_user(session, username="ana")
    asset = _asset(session)
    assert (
        inventory.assign_owner(session, who=None, ref="PC-0001", owner_ref="ANA").owner_id == ana.id
    )
    assert [a.id for a in inventory.list_assets(session, who=None, owner="ana")] == [asset.id]
    inventory.assign_owner(session, who=None, ref=asset.id, owner_ref=None)
    session.expire_all()
    assert inventory.get_asset(session, ref=asset.id).owner_id is None
    with pytest.raises(UserNotFound):
        inventory.assign_owner(session, who=None, ref=asset.id, owner_ref="ghost")
    assert inventory.get_asset(session, ref=asset.id).owner_id is None


def test_set_status_and_list_filters(session: Session) -> None:
    pc = _asset(session)
    laptop = _asset(session, "LAP-1", asset_type="laptop")
    inventory.set_status(session, who=None, ref="LAP-1", status=AssetStatus.IN_REPAIR)
    session.expire_all()
    assert inventory.get_asset(session, ref=laptop.id).status == AssetStatus.IN_REPAIR
    in_repair = inventory.list_assets(session, who=None, status=AssetStatus.IN_REPAIR)
    assert [a.id for a in in_repair] == [laptop.id]
    desktops = inventory.list_assets(session, who=None, asset_type=AssetType.DESKTOP)
    assert [a.id for a in desktops] == [pc.id]
    with pytest.raises(AssetNotFound):
        inventory.set_status(session, who=None, ref="GONE-1", status=AssetStatus.LOST)


def test_ticket_about_an_asset(session: Session) -> None:
    monitor = _asset(session, "MON-0001", asset_type="monitor")
    printer = _asset(session, "PRN-0001", asset_type="printer")
    ticket = make_ticket(session, asset_id=monitor.id, title="Monitor no funciona")
    session.expire_all()
    assert tickets.get_ticket(session, ref=ticket.id).asset_id == monitor.id
    tickets.update_ticket(
        session, ref=ticket.id, data=TicketUpdate(asset_id=printer.id), actor=None
    )
    assert event_rows(session, ticket)[-1] == (  # named by asset tag, as people by name
        "field_changed",
        "asset",
        "MON-0001",
        "PRN-0001",
        None,
    )
    with pytest.raises(AssetNotFound):
        tickets.update_ticket(
            session, ref=ticket.id, data=TicketUpdate(asset_id=987654), actor=None
        )
    assert tickets.get_ticket(session, ref=ticket.id).asset_id == printer.id
    rows, _ = queries.list_page(session, filters=TicketFilters())
    assert [(t.id, t.asset_id) for t in rows] == [(ticket.id, printer.id)]


def test_ticket_with_unknown_asset_is_refused(session: Session) -> None:
    with pytest.raises(AssetNotFound):
        make_ticket(session, asset_id=424242)
    assert ticket_count(session) == 0


def test_a_hostname_that_several_items_have_names_none_of_them(session: Session) -> None:
    first = _asset(session, "PC-0001", hostname="web-01")
    _asset(session, "PC-0002", hostname="web-01")
    with pytest.raises(InvalidInput) as info:
        inventory.get_asset(session, ref="web-01")
    assert info.value.message == (
        "2 inventory items have the hostname 'web-01' ('PC-0001', 'PC-0002'); "
        "give the item's id or asset tag"
    )
    assert inventory.get_asset(session, ref="PC-0001") is first
    assert inventory.get_asset(session, ref=first.id) is first
