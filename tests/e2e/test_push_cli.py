"""``itsm push keys`` and ``itsm push public-key``, and what bad VAPID settings do to the
commands (exit 7 naming the key), on both databases."""

from __future__ import annotations

import json
from pathlib import Path

from itsm.notify import vapid
from tests.e2e.cli import Cli

SUBJECT = {"ITSM_PUSH__VAPID_SUBJECT": "mailto:admin@example.org"}


def test_keys_writes_a_private_key_only_its_owner_reads_and_prints_the_settings(
    cli: Cli, tmp_path: Path
) -> None:
    path = tmp_path / "keys" / "vapid.pem"
    out = cli.ok("push", "keys", "--out", str(path))
    assert path.stat().st_mode & 0o777 == 0o600
    public = vapid.public_key(vapid.load(path))
    assert f"Public key: {public}" in out
    assert "[push]" in out
    assert f'vapid_private_key_file = "{path}"' in out
    assert "vapid_subject = " in out
    pem = path.read_bytes()
    again = cli.run("push", "keys", "--out", str(path))
    assert again.returncode == 5, again.stderr
    assert again.stderr.count("\n") == 1
    assert "exists already" in again.stderr
    assert path.read_bytes() == pem  # never replaced
    env = {"ITSM_PUSH__VAPID_PRIVATE_KEY_FILE": str(path), **SUBJECT}
    assert cli.ok("push", "public-key", env=env).strip() == public
    assert cli.json("push", "public-key", "--json", env=env) == {"public_key": public}
    other = tmp_path / "other.pem"
    made = json.loads(cli.ok("push", "keys", "--json", "--out", str(other)))
    assert made == {
        "private_key_file": str(other),
        "public_key": vapid.public_key(vapid.load(other)),
    }


def test_bad_vapid_settings_exit_7_naming_the_key(cli: Cli, tmp_path: Path) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("not a key\n")
    cases = [
        (
            {"ITSM_PUSH__VAPID_PRIVATE_KEY_FILE": str(junk), **SUBJECT},
            "push.vapid_private_key_file",
        ),
        (
            {"ITSM_PUSH__VAPID_PRIVATE_KEY_FILE": str(tmp_path / "none.pem"), **SUBJECT},
            "cannot read",
        ),
        ({"ITSM_PUSH__VAPID_PRIVATE_KEY_FILE": str(junk)}, "push.vapid_subject is needed too"),
        (
            {"ITSM_PUSH__VAPID_PRIVATE_KEY_FILE": str(junk), "ITSM_PUSH__VAPID_SUBJECT": "admin"},
            "push.vapid_subject",
        ),
    ]
    for env, says in cases:
        for command in (("push", "public-key"), ("worker", "--once")):
            got = cli.run(*command, env=env)
            assert got.returncode == 7, (command, env, got.stderr)
            assert got.stderr.count("\n") == 1, got.stderr
            assert says in got.stderr, got.stderr
            assert "Traceback" not in got.stderr
    unset = cli.run("push", "public-key")
    assert unset.returncode == 7
    assert "web push is not set up" in unset.stderr
