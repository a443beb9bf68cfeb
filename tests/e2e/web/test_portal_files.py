"""Files in the portal: attached with a new ticket or a comment, listed with previews,
downloaded by their requester only, internal ones never shown, too large refused."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from itsm.attachments import service as attachments
from itsm.attachments.config import AttachmentSettings
from itsm.attachments.storage import Store
from itsm.config import Settings
from itsm.users import service as users
from tests.e2e.web.support import Browser
from tests.integration.attachments.files import HTML, png
from tests.live_server import Api, live_api

PASSWORD = "correct horse battery"


def _file_new_ticket(browser: Browser, name: str, data: bytes) -> str:
    token = browser.csrf("/tickets/new")
    filed = browser.client.post(
        "/tickets",
        data={
            "csrf_token": token,
            "title": "Pantalla azul",
            "category": "hardware",
            "urgency": "blocked",
        },
        files={"file": (name, data, "image/png")},
    )
    assert filed.status_code == 303, filed.text
    return str(filed.headers["location"]).rsplit("/", 1)[-1]


def test_files_with_a_new_ticket_and_a_comment(api: Api) -> None:
    api.user("ana", password=PASSWORD)
    tech = api.user("tere", role="technician")
    browser = Browser(api)
    browser.login("ana", PASSWORD)
    number = _file_new_ticket(browser, "captura.png", png())
    page = browser.get(f"/tickets/{number}")
    [first] = re.findall(
        rf'<img src="(/tickets/{number}/attachments/\d+)" alt="captura.png"', page.text
    )
    shown = browser.get(first)
    assert shown.status_code == 200
    assert shown.content == png()
    assert shown.headers["content-type"] == "image/png"
    assert shown.headers["content-security-policy"] == "default-src 'none'; sandbox"

    token = browser.csrf(f"/tickets/{number}")
    sent = browser.client.post(
        f"/tickets/{number}/comments",
        data={"csrf_token": token, "body": "El registro"},
        files={"file": ("registro.png", HTML, "image/png")},  # HTML named .png
    )
    assert sent.status_code == 303, sent.text
    with api.session() as session:
        attachments.attach(
            session,
            ref=number,
            source=io.BytesIO(b"internal"),
            filename="interno.txt",
            actor=users.get_user(session, ref=tech.id),
            store=Store(api.settings.attachments_dir),
            limits=api.settings.attachments,
            internal=True,
        )
    page = browser.get(f"/tickets/{number}")
    assert "El registro" in page.text
    assert "interno.txt" not in page.text
    links = re.findall(
        rf'<a href="(/tickets/{number}/attachments/\d+)" download>([^<]+)</a>', page.text
    )
    assert [name for _, name in links] == ["captura.png", "registro.png"]
    assert page.text.count("<img ") == 1  # the HTML file is no image: no preview
    served = browser.get(links[1][0])
    assert served.headers["content-type"] == "application/octet-stream"
    assert served.headers["content-disposition"].startswith("attachment;")
    hidden_id = int(links[1][0].rsplit("/", 1)[-1]) + 1
    assert browser.get(f"/tickets/{number}/attachments/{hidden_id}").status_code == 404

    api.user("bea", password=PASSWORD)
    other = Browser(api)
    other.login("bea", PASSWORD)
    assert other.get(first).status_code == 404


@pytest.fixture
def small(fresh_db_url: str, tmp_path: Path) -> Iterator[Api]:
    limits = AttachmentSettings(max_bytes=1000)
    cfg = Settings(database_url=fresh_db_url, data_dir=tmp_path / "data", attachments=limits)
    with live_api(cfg) as running:
        yield running


def test_a_file_too_large_is_refused_and_nothing_is_filed(small: Api) -> None:
    small.user("ana", password=PASSWORD)
    browser = Browser(small)
    browser.login("ana", PASSWORD)
    token = browser.csrf("/tickets/new")
    refused = browser.client.post(
        "/tickets",
        data={"csrf_token": token, "title": "Grande", "category": "other", "urgency": "blocked"},
        files={"file": ("big.png", b"x" * 2000, "image/png")},
    )
    assert refused.status_code == 413
    assert "Archivo demasiado grande" in refused.text
    assert "attachments.max_bytes" in refused.text
    assert "Grande" not in browser.get("/tickets").text  # the ticket was not filed either


def test_the_technicians_page_lists_and_takes_files_internal_or_public(api: Api) -> None:
    api.user("ana", password=PASSWORD)
    api.user("tere", role="technician", password=PASSWORD)
    requester = Browser(api)
    requester.login("ana", PASSWORD)
    number = _file_new_ticket(requester, "captura.png", png())
    tech = Browser(api)
    tech.login("tere", PASSWORD)
    page = tech.get(f"/tickets/{number}")
    assert 'alt="captura.png"' in page.text
    assert f'action="/tickets/{number}/attachments" enctype="multipart/form-data"' in page.text
    token = tech.csrf(f"/tickets/{number}")
    for name, visibility, comment in [
        ("servidor.log", "internal", "Revisar disco"),
        ("pasos.txt", "public", ""),
    ]:
        sent = tech.client.post(
            f"/tickets/{number}/attachments",
            data={"csrf_token": token, "visibility": visibility, "comment": comment},
            files={"file": (name, b"contenido de " + name.encode(), "text/plain")},
        )
        assert sent.status_code == 303, sent.text
        assert sent.headers["location"] == f"/tickets/{number}?done=file#desk"
    page = tech.get(f"/tickets/{number}?done=file")
    assert "Archivo adjuntado." in page.text
    assert re.search(
        r'Solo personal</strong>\s*<a href="[^"]+" download>servidor.log</a>', page.text
    )
    assert "Revisar disco" in page.text  # the internal note posted with it
    mine = requester.get(f"/tickets/{number}")
    assert "pasos.txt" in mine.text
    assert "servidor.log" not in mine.text
    assert "Revisar disco" not in mine.text
    unsent = tech.client.post(f"/tickets/{number}/attachments", data={"csrf_token": "wrong"})
    assert unsent.status_code in {403, 422}
