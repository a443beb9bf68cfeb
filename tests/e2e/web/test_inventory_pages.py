"""The inventory pages over real HTTP on both databases: staff filter the items as
``itsm inventory list`` does, read an item with its owner and tickets, list the hosts
with their latest status, and page through a host's report history; end users get
404; every text an item, a report or a ticket carries is escaped."""

from __future__ import annotations

import re

from itsm.inventory import service as inventory
from itsm.inventory.models import AssetStatus, AssetType
from itsm.inventory.schemas import AssetCreate
from itsm.tickets import access
from itsm.tickets.models import Category, Source
from itsm.tickets.schemas import TicketOpen
from itsm.users import service as users
from itsm.users.schemas import UserCreate
from tests.e2e.web.staff_support import PASSWORD, history, send_reports, staff_browser
from tests.e2e.web.support import Browser
from tests.live_server import Api

SCRIPT = "<script>alert('x')</script>"


def _asset(api: Api, tag: str, kind: AssetType, **fields: object) -> int:
    with api.session() as session:
        data = AssetCreate.model_validate({"asset_tag": tag, "asset_type": kind, **fields})
        return inventory.create_asset(session, data=data).id


def _ticket(api: Api, title: str, asset_id: int) -> str:
    with api.session() as session:
        tech = users.get_user(session, ref="tere")
        data = TicketOpen(title=title, category=Category.HARDWARE, asset_id=asset_id)
        ticket = access.open_ticket(
            session, data=data, actor=tech, source=Source.WEB, zone=api.settings.zone
        )
        return ticket.number


def _history_rows(html: str) -> int:
    """How many reports the page's history table shows (its header row aside)."""
    section = html.split('id="history-heading"')[1].split("</section>")[0]
    return section.count("<tr>") - 1


def _tags(html: str) -> list[str]:
    return re.findall(r'<a href="/inventory/assets/\d+">([^<]*)</a>', html)


def test_staff_browse_items_with_owner_and_tickets(api: Api) -> None:
    staff = staff_browser(api)
    with api.session() as session:
        users.create_user(session, data=UserCreate(username="ana", full_name="Ana Pérez"))
    with api.session() as session:
        ana_id = users.get_user(session, ref="ana").id
    laptop = _asset(api, "LAP/2024/001", AssetType.LAPTOP, owner_id=ana_id, hostname="ana-lap")
    _asset(api, "PRN-7", AssetType.PRINTER, status=AssetStatus.IN_REPAIR)
    _asset(api, "SRV-1", AssetType.SERVER)
    number = _ticket(api, "Laptop battery swells", laptop)
    _ticket(api, "Printer is fine", _asset(api, "PRN-8", AssetType.PRINTER))

    listed = staff.get("/inventory/assets")
    assert listed.status_code == 200
    assert _tags(listed.text) == ["LAP/2024/001", "PRN-7", "SRV-1", "PRN-8"]
    assert ">ana<" in listed.text
    assert _tags(staff.get("/inventory/assets", params={"status": "in_repair"}).text) == ["PRN-7"]
    printers = staff.get("/inventory/assets", params={"asset_type": "printer"})
    assert _tags(printers.text) == ["PRN-7", "PRN-8"]
    assert _tags(staff.get("/inventory/assets", params={"owner": "ANA"}).text) == ["LAP/2024/001"]
    nobody = staff.get("/inventory/assets", params={"owner": "nobody"})
    assert nobody.status_code == 200
    assert "No user is called nobody." in nobody.text

    item = staff.get(f"/inventory/assets/{laptop}")
    assert item.status_code == 200
    assert "Ana Pérez (ana)" in item.text
    assert "Laptop" in item.text
    assert f'href="/tickets/{number}"' in item.text
    assert "Laptop battery swells" in item.text
    assert "Printer is fine" not in item.text
    by_tag = staff.get("/inventory/assets/LAP/2024/001")
    assert by_tag.status_code == 200
    assert "Ana Pérez" in by_tag.text
    assert staff.get("/inventory/assets/NOPE-1").status_code == 404


def test_staff_see_hosts_and_page_through_a_hosts_reports(api: Api) -> None:
    staff = staff_browser(api)
    send_reports(api.db, api.settings, history("db-01", 25) + history("web-01", 1))
    hosts = staff.get("/inventory/hosts")
    assert hosts.status_code == 200
    rows = re.findall(r'href="/inventory/hosts/([^"]+)">', hosts.text)
    assert rows == ["db-01", "web-01"]
    assert hosts.text.count("Critical") == 2

    with api.session() as session:
        asset_id = inventory.get_asset(session, ref="db-01").id
    number = _ticket(api, "db-01 disk full", asset_id)
    first = staff.get("/inventory/hosts/db-01")
    assert first.status_code == 200
    assert "/ 97.0% used" in first.text
    assert "Debian GNU/Linux 12" in first.text
    assert f'href="/inventory/assets/{asset_id}"' in first.text
    assert f'href="/tickets/{number}"' in first.text
    assert _history_rows(first.text) == 20
    assert 'href="?page=2"' in first.text
    assert "?page=0" not in first.text
    second = staff.get("/inventory/hosts/db-01", params={"page": 2})
    assert _history_rows(second.text) == 5
    assert 'href="?page=1"' in second.text
    assert "?page=3" not in second.text
    assert staff.get("/inventory/hosts/db-01", params={"page": 0}).status_code == 422
    assert staff.get("/inventory/hosts/nowhere").status_code == 404
    assert "Inventory" in staff.get("/tickets").text


def test_end_users_get_404_for_inventory_pages(api: Api) -> None:
    api.user("ana", password=PASSWORD)
    send_reports(api.db, api.settings, history("web-01", 1))
    asset_id = _asset(api, "LAP-1", AssetType.LAPTOP)
    ana = Browser(api, language="en")
    ana.login("ana", PASSWORD)
    for path in (
        "/inventory/assets",
        f"/inventory/assets/{asset_id}",
        "/inventory/hosts",
        "/inventory/hosts/web-01",
    ):
        answer = ana.get(path)
        assert answer.status_code == 404, path
        assert "LAP-1" not in answer.text
        assert "web-01" not in answer.text


def test_every_inventory_field_is_escaped(api: Api) -> None:
    staff = staff_browser(api)
    with api.session() as session:
        users.create_user(session, data=UserCreate(username="evil", full_name=f"Eve {SCRIPT}"))
        owner = users.get_user(session, ref="evil").id
    asset_id = _asset(
        api,
        f"TAG{SCRIPT}",
        AssetType.OTHER,
        hostname=f"h{SCRIPT}",
        owner_id=owner,
        model=SCRIPT,
        location=SCRIPT,
        notes=SCRIPT,
        os=SCRIPT,
    )
    _ticket(api, f"T {SCRIPT}", asset_id)
    send_reports(api.db, api.settings, history(f"host{SCRIPT}", 2, subject=f"/mnt/{SCRIPT}"))
    for path in (
        "/inventory/assets",
        f"/inventory/assets/{asset_id}",
        "/inventory/hosts",
        "/inventory/hosts/host<script>alert('x')</script>",
    ):
        page = staff.get(path)
        assert page.status_code == 200, path
        assert "<script>alert" not in page.text, path
        assert "&lt;script&gt;alert(" in page.text, path
    assert "<script>alert" not in staff.get("/inventory/assets", params={"owner": SCRIPT}).text
