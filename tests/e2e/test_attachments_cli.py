"""``itsm ticket attach``, ``attachments`` and ``download`` from the terminal."""

from __future__ import annotations

import io
import os
from pathlib import Path

from itsm.cli.exit import ExitStatus
from tests.e2e.cli import Cli
from tests.integration.attachments.files import HTML, png


def _ana_ticket(cli: Cli) -> str:
    page = cli.json("--as", "ana", "ticket", "list")
    return str(page["items"][0]["number"]) if isinstance(page, dict) else str(page[0]["number"])


def test_attach_list_and_download(demo: Cli, tmp_path: Path) -> None:
    ref = _ana_ticket(demo)
    shot = tmp_path / "pantalla ñ.txt"  # a PNG with a text name
    shot.write_bytes(png())
    made = demo.json("--as", "ana", "ticket", "attach", ref, str(shot))
    assert (made["filename"], made["media_type"], made["previewable"]) == (
        "pantalla ñ.txt",
        "image/png",
        True,
    )
    out = demo.ok("--as", "ana", "ticket", "attach", ref, str(shot), "--comment", "Again")
    assert out.startswith(f"Attached #{made['id'] + 1} pantalla ñ.txt (image/png, ")
    listed = demo.json("--as", "ana", "ticket", "attachments", ref)
    assert [a["id"] for a in listed] == [made["id"], made["id"] + 1]
    assert listed[1]["comment_id"] is not None
    table = demo.ok("--as", "ana", "ticket", "attachments", ref)
    assert "pantalla ñ.txt" in table
    assert "image/png" in table
    target = tmp_path / "out" / "copy.png"
    target.parent.mkdir()
    assert demo.ok("ticket", "download", ref, str(made["id"]), "-o", str(target)) == (
        f"Saved {target}.\n"
    )
    assert target.read_bytes() == png()
    assert [p.name for p in target.parent.iterdir()] == ["copy.png"]  # no partial file left
    here = tmp_path / "here"
    here.mkdir()
    run_here = {"PWD": str(here)}
    os.chdir(here)
    try:
        demo.ok("ticket", "download", ref, str(made["id"]), env=run_here)
        assert (here / "pantalla ñ.txt").read_bytes() == png()
        again = demo.fail(ExitStatus.CONFLICT, "ticket", "download", ref, str(made["id"]))
        assert again == "error: pantalla ñ.txt exists here; pass -o PATH to choose where to write"
    finally:
        os.chdir(tmp_path)


def test_internal_files_are_hidden_from_the_requester(demo: Cli, tmp_path: Path) -> None:
    ref = _ana_ticket(demo)
    log = tmp_path / "server.log"
    log.write_bytes(b"disk errors")
    note = demo.json(
        "--as", "tech", "ticket", "attach", ref, str(log), "--internal", "--comment", "Disk"
    )
    assert note["is_internal"] is True
    assert demo.json("--as", "ana", "ticket", "attachments", ref) == []
    assert demo.ok("--as", "ana", "ticket", "attachments", ref) == "No attachments.\n"
    hidden = demo.fail(
        ExitStatus.NOT_FOUND, "--as", "ana", "ticket", "download", ref, str(note["id"]), "-o", "-"
    )
    assert hidden == f"error: {ref} has no attachment {note['id']}"
    assert demo.fail(
        ExitStatus.FORBIDDEN, "--as", "ana", "ticket", "attach", ref, str(log), "--internal"
    ) == ("error: only technicians and admins may attach internal files")
    assert demo.fail(
        ExitStatus.NOT_FOUND, "--as", "pedro", "ticket", "attachments", ref
    ).startswith("error: ticket ")


def test_bad_files_and_limits(demo: Cli, tmp_path: Path) -> None:
    ref = _ana_ticket(demo)
    page = tmp_path / "cat.png"
    page.write_bytes(HTML)
    made = demo.json("--as", "ana", "ticket", "attach", ref, str(page))
    assert (made["media_type"], made["previewable"]) == ("text/html", False)
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * 2048)
    small = {"ITSM_ATTACHMENTS__MAX_BYTES": "1024"}
    assert demo.fail(
        ExitStatus.INVALID_INPUT, "--as", "ana", "ticket", "attach", ref, str(big), env=small
    ) == ("error: the file is over the limit of 1024 bytes (attachments.max_bytes)")
    one = {"ITSM_ATTACHMENTS__MAX_PER_TICKET": "1"}
    assert demo.fail(
        ExitStatus.INVALID_INPUT, "--as", "ana", "ticket", "attach", ref, str(page), env=one
    ) == (
        f"error: {ref} already has 1 attachment; the limit is 1 per ticket"
        " (attachments.max_per_ticket)"
    )
    missing = demo.fail(
        ExitStatus.INVALID_INPUT, "ticket", "attach", ref, str(tmp_path / "nope.txt")
    )
    assert missing == f"error: cannot read {tmp_path / 'nope.txt'}: No such file or directory"
    assert demo.json("ticket", "attachments", ref)[0]["id"] == made["id"]  # nothing else stored


def test_ticket_show_lists_the_files_each_reader_may_see(demo: Cli, tmp_path: Path) -> None:
    ref = _ana_ticket(demo)
    shot = tmp_path / "pantalla.png"
    shot.write_bytes(png())
    public = demo.json("--as", "ana", "ticket", "attach", ref, str(shot))
    log = tmp_path / "servidor.log"
    log.write_bytes(b"x" * 3000)
    internal = demo.json("--as", "tech", "ticket", "attach", ref, str(log), "--internal")

    staff = demo.json("--as", "tech", "ticket", "show", ref)["attachments"]
    assert [(f["id"], f["filename"], f["is_internal"]) for f in staff] == [
        (public["id"], "pantalla.png", False),
        (internal["id"], "servidor.log", True),
    ]
    assert staff[1]["size_bytes"] == 3000
    text = demo.ok("--as", "tech", "ticket", "show", ref, env={"COLUMNS": "200"})
    row = next(line for line in text.splitlines() if "servidor.log" in line)
    assert "2.9 KB" in row
    assert "text/plain" in row
    assert "internal" in row
    row = next(line for line in text.splitlines() if "pantalla.png" in line)
    assert f"{len(png())} B" in row
    assert "image/png" in row
    assert "internal" not in row

    mine = demo.json("--as", "ana", "ticket", "show", ref)["attachments"]
    assert [f["filename"] for f in mine] == ["pantalla.png"]
    assert "servidor.log" not in demo.ok("--as", "ana", "ticket", "show", ref)


def test_sweep_files_removes_only_unreferenced_old_files(cli: Cli, tmp_path: Path) -> None:
    import time

    from itsm.attachments.storage import Store

    files = {"ITSM_ATTACHMENTS__DIRECTORY": str(tmp_path / "files")}
    cli.ok("user", "add", "ana", "Ana")
    ref = cli.json("ticket", "create", "Sin red", "x", "network", "high", "ana")["number"]
    shot = tmp_path / "a.png"
    shot.write_bytes(png())
    made = cli.json("ticket", "attach", ref, str(shot), env=files)
    store = Store(tmp_path / "files")
    orphan = store.put(io.BytesIO(b"left by a rollback"), max_bytes=100).sha256
    past = time.time() - 7200
    for sha in (made["sha256"], orphan):
        os.utime(store.path_of(sha), (past, past))
    assert cli.json("ticket", "sweep-files", env=files) == {"removed": 1, "kept": 1}
    assert not store.path_of(orphan).exists()
    copy = tmp_path / "copy.png"
    cli.ok("ticket", "download", ref, str(made["id"]), "-o", str(copy), env=files)
    assert copy.read_bytes() == png()
    out = cli.ok("ticket", "sweep-files", "--older-than", "5", env=files)
    assert out == "Removed 0 unreferenced files; kept 1 file.\n"
    refused = cli.fail(ExitStatus.USAGE, "ticket", "sweep-files", "--older-than", "0")
    assert "--older-than" in refused
