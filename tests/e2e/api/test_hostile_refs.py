"""Hostile references at every command and route that takes one: only documented
answers come back (API: a 4xx problem or success, never a 500; CLI: a documented
exit status with one error line, never exit 1 or a traceback), on both databases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from itsm.cli.exit import ExitStatus
from tests.e2e.cli import Cli, describe
from tests.live_server import Api

_PATH_TRICKS = (
    "..",
    "../..",
    "../../etc/passwd",
    "/",
    "%2e%2e",
    "%00",
    "1/../2",
    "..\\..\\",
    "?x=1",
    "#",
    "~root",
    "./1",
    " ",
    "TKT-00000000-0000",
    "TKT-20261207-99999999999999999999",
    "1;DROP TABLE users",
    "' OR '1'='1",
)
_TEXT = st.characters(exclude_categories=["Cs"])  # no lone surrogates: not UTF-8 at all

#: Past PostgreSQL's INTEGER and SQLite's 64-bit INTEGER, zero and below, NUL anywhere,
#: any Unicode (digits int() reads but no key is), very long text, paths and injections.
HOSTILE = st.one_of(
    st.integers(min_value=2**31, max_value=10**40).map(str),
    st.integers(max_value=0, min_value=-(10**40)).map(str),
    st.tuples(st.text(_TEXT, max_size=8), st.text(_TEXT, max_size=8)).map("\x00".join),
    st.text(st.characters(min_codepoint=0x80, exclude_categories=["Cs"]), min_size=1),
    st.text(_TEXT, min_size=1, max_size=4).map(lambda t: t * 250),
    st.sampled_from(_PATH_TRICKS),
)

# --- API ---------------------------------------------------------------------

# (ref, ref quoted for a path) -> method, path under /api/v1, request options
Request = Callable[[str, str], tuple[str, str, dict[str, Any]]]
API: tuple[tuple[str, Request], ...] = (
    ("GET ticket", lambda r, p: ("GET", f"/tickets/{p}", {})),
    ("PATCH ticket", lambda r, p: ("PATCH", f"/tickets/{p}", {"json": {"title": "x"}})),
    ("assign", lambda r, p: ("POST", f"/tickets/{p}/assign", {"json": {"assignee": "root"}})),
    ("assign to", lambda r, p: ("POST", "/tickets/1/assign", {"json": {"assignee": r}})),
    ("status", lambda r, p: ("POST", f"/tickets/{p}/status", {"json": {"status": "closed"}})),
    ("comments", lambda r, p: ("GET", f"/tickets/{p}/comments", {})),
    ("comment", lambda r, p: ("POST", f"/tickets/{p}/comments", {"json": {"body": "x"}})),
    ("history", lambda r, p: ("GET", f"/tickets/{p}/history", {})),
    ("attachments", lambda r, p: ("GET", f"/tickets/{p}/attachments", {})),
    ("attachment", lambda r, p: ("GET", f"/tickets/{p}/attachments/1", {})),
    (
        "attach",
        lambda r, p: ("POST", f"/tickets/{p}/attachments", {"files": {"file": ("a", b"x")}}),
    ),
    ("links", lambda r, p: ("GET", f"/tickets/{p}/links", {})),
    ("link", lambda r, p: ("POST", f"/tickets/{p}/links", {"json": {"other": "1"}})),
    ("link to", lambda r, p: ("POST", "/tickets/1/links", {"json": {"other": r}})),
    ("merge", lambda r, p: ("POST", f"/tickets/{p}/merge", {"json": {"into": "1"}})),
    ("merge into", lambda r, p: ("POST", "/tickets/1/merge", {"json": {"into": r}})),
    ("rate", lambda r, p: ("POST", f"/tickets/{p}/rating", {"json": {"rating": 5}})),
    ("GET user", lambda r, p: ("GET", f"/users/{p}", {})),
    ("PATCH user", lambda r, p: ("PATCH", f"/users/{p}", {"json": {"full_name": "x"}})),
    ("role", lambda r, p: ("PUT", f"/users/{p}/role", {"json": {"role": "user"}})),
    ("deactivate", lambda r, p: ("POST", f"/users/{p}/deactivate", {})),
    ("password", lambda r, p: ("PUT", f"/users/{p}/password", {"json": {"password": "x" * 12}})),
    ("unlock", lambda r, p: ("POST", f"/users/{p}/unlock", {})),
    ("GET article", lambda r, p: ("GET", f"/kb/articles/{p}", {})),
    ("PATCH article", lambda r, p: ("PATCH", f"/kb/articles/{p}", {"json": {"title": "x"}})),
    ("GET asset", lambda r, p: ("GET", f"/inventory/assets/{p}", {})),
    ("owner", lambda r, p: ("PUT", f"/inventory/assets/{p}/owner", {"json": {"owner": "root"}})),
    ("owner to", lambda r, p: ("PUT", "/inventory/assets/1/owner", {"json": {"owner": r}})),
    (
        "asset status",
        lambda r, p: ("PUT", f"/inventory/assets/{p}/status", {"json": {"status": "retired"}}),
    ),
    ("report", lambda r, p: ("GET", f"/diagnostics/reports/{p}", {})),
    ("revoke token", lambda r, p: ("DELETE", f"/tokens/{p}", {})),
    ("tokens of", lambda r, p: ("GET", "/tokens", {"params": {"user": r}})),
    ("token for", lambda r, p: ("POST", "/tokens", {"json": {"name": "x", "user": r}})),
    ("login", lambda r, p: ("POST", "/auth/login", {"json": {"username": r, "password": "x"}})),
    (
        "login password",
        lambda r, p: ("POST", "/auth/login", {"json": {"username": "root", "password": r}}),
    ),
    ("token name", lambda r, p: ("POST", "/tokens", {"json": {"name": r}})),
    ("GET webhook", lambda r, p: ("GET", f"/webhooks/{p}", {})),
    ("disable webhook", lambda r, p: ("POST", f"/webhooks/{p}/disable", {})),
    ("delete webhook", lambda r, p: ("DELETE", f"/webhooks/{p}", {})),
    (
        "webhook url",
        lambda r, p: (
            "POST",
            "/webhooks",
            {"json": {"name": "x", "url": r, "events": ["ticket.created"]}},
        ),
    ),
)
#: What a route may answer: success, a documented refusal (problem+json), or the
#: redirect of a path a '/' ref ends in '/' to the same path without it.
API_ANSWERS = {200, 201, 307, 401, 403, 404, 405, 409, 413, 422, 429}


def _names_token(ref: str, token_id: int) -> bool:
    try:
        return TypeAdapter(int).validate_python(ref) == token_id
    except ValidationError:
        return False


@pytest.mark.parametrize(("name", "request_for"), API, ids=[name for name, _ in API])
def test_api_routes_answer_hostile_refs_as_documented(
    api: Api, name: str, request_for: Request
) -> None:
    admin = api.user("root", role="admin")
    client = api.client(api.token(admin))
    own_token = max(t["id"] for t in client.get("/tokens").json())

    @settings(
        max_examples=10,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(ref=HOSTILE)
    def check(ref: str) -> None:
        if _names_token(ref, own_token):
            return  # revoking the test's own token is allowed, and ends the test's access
        method, path, options = request_for(ref, quote(ref, safe=""))
        answer = client.request(method, path, **options)
        assert answer.status_code in API_ANSWERS, (name, ref[:80], answer.text[:500])
        if answer.status_code == 307:
            assert ref.strip().endswith("/"), (name, ref[:80])
        if answer.status_code >= 400:
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert "Traceback" not in answer.text

    check()


# --- CLI ---------------------------------------------------------------------

#: Every command that takes a reference; ``{}`` is where it goes. Options come before
#: ``--``, so that a ref starting with '-' is read as the reference it is.
CLI: tuple[tuple[str, ...], ...] = (
    ("ticket", "show", "--", "{}"),
    ("ticket", "history", "--", "{}"),
    ("ticket", "update", "--title", "x", "--", "{}"),
    ("ticket", "assign", "--", "{}", "tec"),
    ("ticket", "assign", "--", "1", "{}"),
    ("ticket", "status", "--", "{}", "closed"),
    ("ticket", "comment", "--", "{}", "hola"),
    ("ticket", "attachments", "--", "{}"),
    ("ticket", "download", "-o", "-", "--", "{}", "1"),
    ("ticket", "link", "--", "{}", "1"),
    ("ticket", "rate", "--", "{}", "5"),
    ("ticket", "merge", "--", "{}", "1"),
    ("ticket", "merge", "--", "1", "{}"),
    ("inventory", "show", "--", "{}"),
    ("inventory", "assign", "--", "{}", "none"),
    ("inventory", "status", "--", "{}", "retired"),
    ("kb", "show", "--", "{}"),
    ("kb", "update", "--title", "x", "--", "{}"),
    ("user", "show", "--", "{}"),
    ("user", "role", "--", "{}", "user"),
    ("user", "update", "--full-name", "x", "--", "{}"),
    ("user", "deactivate", "--", "{}"),
    ("user", "unlock", "--", "{}"),
    ("user", "passwd", "--password-stdin", "--", "{}"),
    ("diag", "show", "--", "{}"),
    ("token", "revoke", "--", "{}"),
    ("token", "list", "--user", "{}"),
    ("token", "create", "x", "--user", "{}"),
    ("webhook", "show", "--", "{}"),
    ("webhook", "disable", "--", "{}"),
)
#: Success, or a documented failure: usage, invalid input, not found, conflict, forbidden.
CLI_ANSWERS = {
    ExitStatus.OK,
    ExitStatus.USAGE,
    ExitStatus.INVALID_INPUT,
    ExitStatus.NOT_FOUND,
    ExitStatus.CONFLICT,
    ExitStatus.FORBIDDEN,
}
# argv cannot hold NUL at all; long texts stay under the kernel's limit for one argument.
ARGV_REFS = HOSTILE.map(lambda r: r.replace("\x00", "")[:20000]).filter(bool)


def _check_cli(demo: Cli, command: tuple[str, ...]) -> None:
    @settings(
        max_examples=2,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(ref=ARGV_REFS)
    def check(ref: str) -> None:
        args = [ref if part == "{}" else part for part in command]
        result = demo.run(*args, input="another-Passw0rd\n")
        assert result.returncode in CLI_ANSWERS, describe(result)
        assert "Traceback" not in result.stderr, describe(result)
        if result.returncode != ExitStatus.OK:
            assert len(result.stderr.splitlines()) == 1, describe(result)

    check()


def test_cli_commands_answer_hostile_refs_as_documented(demo: Cli) -> None:
    for command in CLI:
        _check_cli(demo, command)


@pytest.mark.parametrize("ref", ["2147483648", "99999999999999999999", "-1", "0", "abc", "٣"])
def test_revoking_a_token_that_cannot_exist_is_not_found(demo: Cli, ref: str) -> None:
    line = demo.fail(ExitStatus.NOT_FOUND, "token", "revoke", "--", ref)
    assert "does not exist" in line


def test_nul_in_a_password_from_stdin_is_invalid_input(demo: Cli) -> None:
    line = demo.fail(
        ExitStatus.INVALID_INPUT,
        "user",
        "passwd",
        "ana",
        "--password-stdin",
        input="bad\x00pass-word\n",
    )
    assert line == "error: password must not contain NUL characters"


def test_api_refuses_nul_in_logins_passwords_and_token_names(api: Api) -> None:
    client = api.client(api.token(api.user("root", role="admin")))
    anonymous = api.client()
    refused = [
        anonymous.post("/auth/login", json={"username": "ro\x00ot", "password": "whatever-1"}),
        anonymous.post("/auth/login", json={"username": "root", "password": "what\x00ever"}),
        anonymous.post(
            "/auth/login", json={"username": "root", "password": "x", "token_name": "a\x00b"}
        ),
        client.post("/tokens", json={"name": "lap\x00top"}),
        client.put("/users/root/password", json={"password": "new-\x00-Passw0rd"}),
    ]
    assert [r.status_code for r in refused] == [422] * len(refused), [r.text for r in refused]
    assert all("NUL" in r.text for r in refused)
    for ref in ("99999999999999999999999", "2147483648", "0", "-3"):
        gone = client.delete(f"/tokens/{ref}")
        assert gone.status_code == 404, gone.text
        assert "does not exist" in gone.json()["detail"]
    assert isinstance(client.get("/tokens").json(), list)  # the admin's token still works
