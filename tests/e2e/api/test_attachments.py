"""Attachments over real HTTP: upload, list, download, sniffing, visibility, limits, names."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from itsm.attachments.config import AttachmentSettings
from itsm.config import Settings
from tests.integration.attachments.files import HTML, png
from tests.live_server import Api, live_api


def _open(client: httpx.Client, title: str = "Screen flickers") -> str:
    made = client.post("/tickets", json={"title": title, "category": "hardware"})
    assert made.status_code == 201, made.text
    return str(made.json()["number"])


def _upload(client: httpx.Client, ref: str, name: str, data: bytes, **form: str) -> httpx.Response:
    return client.post(
        f"/tickets/{ref}/attachments",
        files={"file": (name, data, "text/plain")},  # the client's type is not believed
        data=form,
    )


def test_an_image_is_uploaded_listed_and_downloaded(api: Api) -> None:
    user = api.as_new("ana")
    ref = _open(user)
    made = _upload(user, ref, "screen.png", png())
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["filename"] == "screen.png"
    assert (body["media_type"], body["previewable"], body["is_internal"]) == (
        "image/png",
        True,
        False,
    )
    assert body["size_bytes"] == len(png())
    assert body["uploader"] == "ana"
    assert made.headers["location"] == f"/api/v1/tickets/{ref}/attachments/{body['id']}"
    listed = user.get(f"/tickets/{ref}/attachments")
    assert [a["id"] for a in listed.json()] == [body["id"]]
    got = user.get(f"/tickets/{ref}/attachments/{body['id']}")
    assert got.status_code == 200
    assert got.content == png()
    assert got.headers["content-type"] == "image/png"
    assert got.headers["content-disposition"] == (
        "attachment; filename=\"screen.png\"; filename*=UTF-8''screen.png"
    )
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-security-policy"] == "default-src 'none'; sandbox"


def test_the_content_decides_the_type(api: Api) -> None:
    user = api.as_new("ana")
    ref = _open(user)
    image = _upload(user, ref, "notes.txt", png()).json()
    page = _upload(user, ref, "cat.png", HTML).json()
    assert (image["media_type"], image["previewable"]) == ("image/png", True)
    assert (page["media_type"], page["previewable"]) == ("text/html", False)
    served = user.get(f"/tickets/{ref}/attachments/{page['id']}")
    assert served.content == HTML
    assert served.headers["content-type"] == "application/octet-stream"  # never text/html
    assert served.headers["content-disposition"].startswith("attachment;")
    assert "sandbox" in served.headers["content-security-policy"]


def test_internal_files_and_other_peoples_tickets_stay_hidden(api: Api) -> None:
    user, other = api.as_new("ana"), api.as_new("bea")
    tech = api.as_new("tom", role="technician")
    ref = _open(user)
    public = _upload(user, ref, "a.log", b"public log").json()
    note = _upload(tech, ref, "s.log", b"secret", internal="true", comment="Server side").json()
    assert note["is_internal"]
    assert note["comment_id"] is not None
    assert [a["id"] for a in user.get(f"/tickets/{ref}/attachments").json()] == [public["id"]]
    assert [a["id"] for a in tech.get(f"/tickets/{ref}/attachments").json()] == [
        public["id"],
        note["id"],
    ]
    hidden = user.get(f"/tickets/{ref}/attachments/{note['id']}")
    missing = user.get(f"/tickets/{ref}/attachments/999999")
    assert hidden.status_code == missing.status_code == 404
    assert (
        hidden.json()["type"] == missing.json()["type"] == "urn:itsm:problem:attachment-not-found"
    )
    comments = user.get(f"/tickets/{ref}/comments").json()
    assert all(c["body"] != "Server side" for c in comments)
    for got in (
        other.get(f"/tickets/{ref}/attachments"),
        other.get(f"/tickets/{ref}/attachments/{public['id']}"),
        _upload(other, ref, "x.txt", b"x"),
    ):
        assert got.status_code == 404, got.text
        assert got.json()["type"] == "urn:itsm:problem:ticket-not-found"
    refused = _upload(user, ref, "x.txt", b"x", internal="true")
    assert refused.status_code == 403, refused.text
    assert refused.json()["detail"] == "only technicians and admins may attach internal files"


def test_a_file_with_no_file_field_is_refused(api: Api) -> None:
    user = api.as_new("ana")
    ref = _open(user)
    got = user.post(f"/tickets/{ref}/attachments", data={"comment": "here"})
    assert got.status_code == 422, got.text
    assert got.json()["errors"][0]["field"] == "file"


@pytest.fixture
def small(fresh_db_url: str, tmp_path: Path) -> Iterator[Api]:
    limits = AttachmentSettings(max_bytes=100_000, max_per_ticket=2)
    cfg = Settings(database_url=fresh_db_url, data_dir=tmp_path / "data", attachments=limits)
    with live_api(cfg) as running:
        yield running


def test_limits_of_size_and_count(small: Api) -> None:
    user = small.as_new("ana")
    ref = _open(user)
    over = _upload(user, ref, "big.bin", b"x" * 100_001)
    assert over.status_code == 413, over.text
    assert over.json()["detail"] == (
        "the file is over the limit of 100000 bytes (attachments.max_bytes)"
    )
    _upload(user, ref, "1.txt", b"one")
    _upload(user, ref, "2.txt", b"two")
    third = _upload(user, ref, "3.txt", b"three")
    assert third.status_code == 422, third.text
    assert third.json()["detail"].endswith("the limit is 2 per ticket (attachments.max_per_ticket)")
    files = [p for p in (small.settings.attachments_dir).rglob("*") if p.is_file()]
    assert len(files) == 2  # the refused files left nothing behind


def test_an_oversized_stream_is_cut_off(small: Api) -> None:
    """A chunked upload (no length given) far over the limit is refused as it streams:
    413 with the limit's words, nothing stored, no partial file left in the store."""
    user = small.as_new("ana")
    ref = _open(user)
    boundary = "itsm-test-boundary"

    def body() -> Iterator[bytes]:
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file";'
            f' filename="huge.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        for _ in range(160):  # 10 MB
            yield b"x" * 65_536
        yield f"\r\n--{boundary}--\r\n".encode()

    got = user.post(
        f"/tickets/{ref}/attachments",
        content=body(),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert got.status_code == 413, got.text
    assert got.json()["detail"] == (
        "the file is over the limit of 100000 bytes (attachments.max_bytes)"
    )
    assert user.get(f"/tickets/{ref}/attachments").json() == []
    store = small.settings.attachments_dir
    assert not store.exists() or [p for p in store.rglob("*") if p.is_file()] == []


def test_names_cannot_inject_headers(api: Api) -> None:
    user = api.as_new("ana")
    ref = _open(user)
    boundary = "b0undary"
    raw = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="a\\"b;\tc%20ñ\u202eexe.txt"\r\n'
        "Content-Type: text/plain\r\n\r\nhello\r\n"
        f"--{boundary}--\r\n"
    ).encode()
    made = user.post(
        f"/tickets/{ref}/attachments",
        content=raw,
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert made.status_code == 201, made.text
    name = made.json()["filename"]
    assert "\u202e" not in name
    assert "\t" not in name
    got = user.get(f"/tickets/{ref}/attachments/{made.json()['id']}")
    header = got.headers["content-disposition"]
    assert header.startswith('attachment; filename="')
    fallback = header.split('filename="')[1].split('"')[0]
    assert fallback.isascii()
    assert "%" not in fallback
    assert header.endswith("; filename*=UTF-8''" + quote(name, safe=""))
    assert "\r" not in header
    assert "\n" not in header
    assert "set-cookie" not in got.headers
