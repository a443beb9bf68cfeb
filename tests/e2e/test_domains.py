"""Users, knowledge base and inventory through their command groups."""

from __future__ import annotations

from pathlib import Path

from itsm.cli.exit import ExitStatus
from tests.e2e.cli import Cli

ROLES = "admin, technician, user"
CATEGORIES = "hardware, software, network, account, other"
ASSET_TYPES = "desktop, laptop, server, virtual_machine, printer, monitor, network, phone, other"
ASSET_STATUSES = "in_use, in_stock, in_repair, retired, lost"


def test_users(cli: Cli) -> None:
    out = cli.ok(
        "user",
        "add",
        "maria",
        "María López",
        "--role",
        "technician",
        "--email",
        "maria@example.org",
        "--department",
        "Soporte",
    )
    assert out == "User maria (#1, technician) added.\n"
    added = cli.json("user", "add", "jose", "José Núñez")
    assert added["role"] == "user"
    assert added["is_active"] is True

    assert [u["username"] for u in cli.json("user", "list", "--role", "technician")] == ["maria"]
    shown = cli.json("user", "show", "maria")
    assert (shown["full_name"], shown["email"], shown["department"]) == (
        "María López",
        "maria@example.org",
        "Soporte",
    )
    assert "María López" in cli.ok("user", "show", str(shown["id"]))

    assert cli.ok("user", "role", "jose", "technician") == "jose is now technician.\n"
    updated = cli.json(
        "user", "update", "jose", "--full-name", "José Núñez Gil", "--department", "Redes"
    )
    assert (updated["full_name"], updated["department"], updated["role"]) == (
        "José Núñez Gil",
        "Redes",
        "technician",
    )
    assert cli.ok("user", "deactivate", "jose") == "jose deactivated.\n"
    assert [u["username"] for u in cli.json("user", "list")] == ["maria"]
    assert cli.ok("user", "reactivate", "jose") == (
        "jose reactivated; 0 personal tokens from before revoked.\n"
    )
    assert cli.json("user", "reactivate", "jose")["is_active"] is True
    assert cli.ok("user", "deactivate", "jose") == "jose deactivated.\n"

    args: tuple[str, ...]
    for args in (
        ("user", "add", "pepe", "Pepe", "--role", "wizard"),
        ("user", "list", "--role", "wizard"),
        ("user", "role", "maria", "wizard"),
    ):
        msg = cli.fail(ExitStatus.INVALID_INPUT, *args)
        assert "'wizard'" in msg
        assert ROLES in msg
    cli.fail(ExitStatus.INVALID_INPUT, "user", "add", "Bad Name!", "Bad")
    cli.fail(ExitStatus.NOT_FOUND, "user", "role", "nobody", "admin")
    every = cli.json("user", "list", "--all")
    assert [(u["username"], u["is_active"], u["role"]) for u in every] == [
        ("maria", True, "technician"),
        ("jose", False, "technician"),
    ]


def test_knowledge_base(demo: Cli, tmp_path: Path) -> None:
    added = demo.json(
        "kb",
        "add",
        "Impresora atascada",
        "Abre la **bandeja** 2.",
        "--category",
        "hardware",
        "--tag",
        "impresora,papel",
    )
    assert added["tags"] == ["impresora", "papel"]
    assert added["author_id"] == 1  # the fallback actor, the first admin

    markdown = "# Contraseña caducada\n\nCambia la contraseña desde *Ctrl+Alt+Supr*.\n"
    source = tmp_path / "caducada.md"
    source.write_text(markdown, encoding="utf-8")
    out = demo.ok(
        "--as",
        "tech",
        "kb",
        "add",
        "Contraseña caducada",
        "--file",
        str(source),
        "--category",
        "account",
    )
    assert out.startswith("Article #5 added: Contraseña caducada")
    from_file = demo.json("kb", "show", "5")
    assert from_file["body"].strip() == markdown.strip()
    assert from_file["author_id"] == 2

    assert {a["id"] for a in demo.json("kb", "list", "--category", "account")} == {3, 5}

    views = demo.json("kb", "show", "4")["views"]
    plain = demo.ok("kb", "show", "4")
    assert "Impresora atascada" in plain
    assert "bandeja" in plain
    assert demo.json("kb", "show", "4")["views"] == views + 2

    hits = {a["title"] for a in demo.json("kb", "search", "contrasena")}
    assert hits == {"Restablecer tu contraseña", "Contraseña caducada"}
    assert {a["title"] for a in demo.json("kb", "search", "CONTRASEÑA")} == hits

    updated = demo.json(
        "kb", "update", "4", "--title", "Impresora atascada (HP)", "--tag", "hp", "--unpublish"
    )
    assert (updated["title"], updated["tags"], updated["published"]) == (
        "Impresora atascada (HP)",
        ["hp"],
        False,
    )
    assert 4 not in [a["id"] for a in demo.json("kb", "list", "--published")]
    added = demo.json("kb", "update", "4", "--add-tag", "Papel,impresora", "--add-tag", "hp")
    assert added["tags"] == ["hp", "papel", "impresora"]
    removed = demo.json("kb", "update", "4", "--remove-tag", "hp", "--remove-tag", "toner")
    assert removed["tags"] == ["papel", "impresora"]
    mixed = demo.fail(ExitStatus.INVALID_INPUT, "kb", "update", "4", "--tag", "a", "--add-tag", "b")
    assert mixed == (
        "error: give either --tag (to replace the tags) or --add-tag / --remove-tag, not both"
    )
    both = demo.fail(
        ExitStatus.INVALID_INPUT, "kb", "update", "4", "--add-tag", "x", "--remove-tag", "x"
    )
    assert both == "error: invalid input: tag 'x' is both added and removed"
    assert demo.json("kb", "show", "4")["tags"] == ["papel", "impresora"]

    args: tuple[str, ...]
    for args in (
        ("kb", "add", "X", "y", "--category", "food"),
        ("kb", "update", "4", "--category", "food"),
    ):
        msg = demo.fail(ExitStatus.INVALID_INPUT, *args)
        assert "'food'" in msg
        assert CATEGORIES in msg
    demo.fail(ExitStatus.INVALID_INPUT, "kb", "add", "Sin cuerpo")
    demo.fail(ExitStatus.INVALID_INPUT, "kb", "add", "X", "--file", str(tmp_path / "no.md"))
    # Devices are refused before any read; a file past 256 KiB is refused after 256 KiB + 1.
    zero = demo.fail(ExitStatus.INVALID_INPUT, "kb", "add", "X", "--file", "/dev/zero")
    assert zero == "error: cannot read /dev/zero: not a regular file"
    big = tmp_path / "big.md"
    big.write_bytes(b"a" * (256 * 1024 + 1))
    too_big = demo.fail(ExitStatus.INVALID_INPUT, "kb", "add", "X", "--file", str(big))
    assert too_big == f"error: cannot read {big}: it is over the limit of 262144 bytes"
    final = demo.json("kb", "list", "--category", "hardware")
    assert [(a["id"], a["title"]) for a in final] == [
        (1, "Cómo liberar espacio en disco"),
        (4, "Impresora atascada (HP)"),
    ]

    # Deleting: staff only, and gone afterwards.
    demo.fail(ExitStatus.NOT_FOUND, "kb", "delete", "987654")
    refused = demo.fail(ExitStatus.FORBIDDEN, "--as", "ana", "kb", "delete", "4")
    assert refused == "error: only technicians and admins may do this"
    assert demo.ok("kb", "delete", "4").strip() == "Article #4 deleted."
    demo.fail(ExitStatus.NOT_FOUND, "kb", "show", "4")
    assert [a["id"] for a in demo.json("kb", "list", "--category", "hardware")] == [1]


def test_knowledge_base_votes(demo: Cli) -> None:
    out = demo.ok("--as", "ana", "kb", "vote", "1", "--helpful")
    assert out == "Article #1: vote recorded (helpful); 1 of 1 person found it helpful.\n"
    demo.ok("--as", "ana", "kb", "vote", "1", "--helpful")  # still one vote
    out = demo.ok("--as", "pedro", "kb", "vote", "1", "--not-helpful")
    assert out == "Article #1: vote recorded (not helpful); 1 of 2 people found it helpful.\n"
    changed = demo.json("--as", "ana", "kb", "vote", "1", "--not-helpful")
    assert (changed["helpful_yes"], changed["helpful_no"]) == (0, 2)
    listed = demo.ok("kb", "list")
    assert "0/2" in next(line for line in listed.splitlines() if "espacio en disco" in line)

    demo.ok("kb", "update", "2", "--unpublish")
    hidden = demo.fail(ExitStatus.NOT_FOUND, "--as", "ana", "kb", "vote", "2", "--helpful")
    assert hidden == "error: knowledge-base article '2' does not exist"
    assert demo.json("--as", "tech", "kb", "vote", "2", "--helpful")["helpful_yes"] == 1
    missing = demo.fail(ExitStatus.INVALID_INPUT, "--as", "ana", "kb", "vote", "1")
    assert missing == "error: say whether the article helped: --helpful or --not-helpful"
    assert demo.json("kb", "show", "1")["helpful_no"] == 2


def test_inventory(demo: Cli) -> None:
    out = demo.ok(
        "inventory",
        "add",
        "PC-0042",
        "laptop",
        "--hostname",
        "lap-soporte-01",
        "--manufacturer",
        "Dell",
        "--model",
        "Latitude 5440",
        "--owner",
        "ana",
    )
    assert out == "Item #5 (PC-0042) added.\n"
    by_tag = demo.json("inventory", "show", "PC-0042")
    assert demo.json("inventory", "show", "lap-soporte-01") == by_tag
    assert (by_tag["asset_type"], by_tag["status"], by_tag["owner_id"]) == ("laptop", "in_use", 3)
    assert by_tag["owner"] == "ana"
    shown = demo.ok("inventory", "show", "PC-0042")
    assert "Latitude 5440" in shown
    assert "ana" in next(line for line in shown.splitlines() if "Owner" in line)
    listed = demo.ok("inventory", "list", "--owner", "ana", env={"COLUMNS": "200"})
    assert "│ ana " in listed

    handed = demo.json("inventory", "assign", "PC-0042", "pedro")
    assert (handed["owner_id"], handed["owner"]) == (4, "pedro")
    assert demo.ok("inventory", "assign", "PC-0042", "pedro") == "PC-0042 owner set to pedro.\n"
    assert demo.json("inventory", "status", "PC-0042", "in_repair")["status"] == "in_repair"
    in_repair = demo.json("inventory", "list", "--status", "in_repair")
    assert [a["asset_tag"] for a in in_repair] == ["PC-0042"]
    assert demo.json("inventory", "assign", "PC-0042", "none")["owner_id"] is None
    assert demo.ok("inventory", "assign", "PC-0042", "none") == "PC-0042 has no owner now.\n"

    args: tuple[str, ...]
    for args in (
        ("inventory", "add", "PC-0043", "toaster"),
        ("inventory", "list", "--type", "toaster"),
    ):
        msg = demo.fail(ExitStatus.INVALID_INPUT, *args)
        assert "'toaster'" in msg
        assert ASSET_TYPES in msg
    for args in (
        ("inventory", "status", "PC-0042", "melted"),
        ("inventory", "list", "--status", "melted"),
    ):
        msg = demo.fail(ExitStatus.INVALID_INPUT, *args)
        assert "'melted'" in msg
        assert ASSET_STATUSES in msg
    demo.fail(ExitStatus.CONFLICT, "inventory", "add", "PC-0042", "laptop")
    for tag in ("PC-0044/owner", "LAP/2024/status"):
        assert demo.fail(ExitStatus.INVALID_INPUT, "inventory", "add", tag, "laptop") == (
            f"error: invalid asset_tag: {tag!r} ends in {tag[tag.rindex('/') :]!r}; a tag may "
            "not end in '/owner' or '/status', the endings of the API's routes that change an item"
        )
    demo.fail(ExitStatus.NOT_FOUND, "inventory", "assign", "PC-0042", "nobody")
    final = {a["asset_tag"]: a for a in demo.json("inventory", "list")}
    assert len(final) == 5
    assert (final["PC-0042"]["status"], final["PC-0042"]["owner_id"]) == ("in_repair", None)


def test_a_ticket_is_linked_to_an_asset_and_unlinked(demo: Cli) -> None:
    demo.ok("inventory", "add", "PC-0099", "desktop")
    assert demo.json("ticket", "update", "1", "--asset", "PC-0099")["asset_id"] == 5
    assert demo.json("ticket", "update", "1", "--no-asset")["asset_id"] is None
    msg = demo.fail(ExitStatus.INVALID_INPUT, "ticket", "update", "1", "--asset", "1", "--no-asset")
    assert msg == "error: give --asset or --no-asset, not both"
    assert demo.json("ticket", "show", "1")["asset_id"] is None


def test_only_admins_manage_people_and_none_locks_themselves_out(cli: Cli) -> None:
    # --as applies the acting user's role: a technician may not touch accounts, and
    # an admin keeps their own (the last-admin rule: tests/integration/core/test_users.py).
    cli.ok("user", "add", "boss", "Boss", "--role", "admin")
    cli.ok("user", "add", "tess", "Tess", "--role", "technician")
    assert cli.fail(6, "--as", "tess", "user", "deactivate", "boss") == (
        "error: only admins may do this"
    )
    assert cli.fail(6, "--as", "tess", "user", "role", "tess", "admin") == (
        "error: only admins may do this"
    )
    assert cli.fail(6, "--as", "boss", "user", "deactivate", "boss") == (
        "error: you cannot deactivate your own account; another admin can"
    )
    assert cli.fail(6, "--as", "boss", "user", "role", "boss", "user") == (
        "error: you cannot give up your own admin role; another admin can"
    )
    cli.ok("--as", "boss", "user", "role", "tess", "admin")
    assert cli.ok("--as", "tess", "user", "deactivate", "boss") == "boss deactivated.\n"
