"""The users API over real HTTP on SQLite and PostgreSQL: accounts, roles and passwords."""

from __future__ import annotations

import httpx

from itsm.accounts.models import TokenKind
from tests.e2e.api.support import invalid, ok, problem
from tests.live_server import Api

NOT_FOUND = "user-not-found"


def test_admin_manages_a_user_from_creation_to_deactivation(api: Api, admin: httpx.Client) -> None:
    got = admin.post(
        "/users",
        json={
            "username": "  Ana.Torres ",
            "full_name": "Ana Torres",
            "email": "ana@example.org",
            "role": "technician",
            "department": "IT",
        },
    )
    ana = ok(got, 201)
    assert got.headers["location"] == f"/users/{ana['id']}"
    assert (ana["username"], ana["role"], ana["is_active"]) == ("ana.torres", "technician", True)
    api.user("bea")

    assert ok(admin.get(f"/users/{ana['id']}")) == ana
    assert ok(admin.get("/users/ANA.TORRES"))["id"] == ana["id"]
    listed = ok(admin.get("/users"))
    assert [u["username"] for u in listed] == ["root", "ana.torres", "bea"]
    techs = ok(admin.get("/users", params={"role": "technician"}))
    assert [u["username"] for u in techs] == ["ana.torres"]

    changed = ok(
        admin.patch(f"/users/{ana['id']}", json={"full_name": "Ana T. Ruiz", "department": "Ops"})
    )
    assert (changed["full_name"], changed["department"]) == ("Ana T. Ruiz", "Ops")
    assert changed["email"] == "ana@example.org"  # untouched
    assert ok(admin.put("/users/ana.torres/role", json={"role": "admin"}))["role"] == "admin"

    secret = api.token("ana.torres")
    assert api.client(secret).get("/auth/me").status_code == 200
    gone = ok(admin.post("/users/ana.torres/deactivate"))
    assert gone["is_active"] is False
    assert [u["username"] for u in ok(admin.get("/users"))] == ["root", "bea"]
    everyone = ok(admin.get("/users", params={"include_inactive": True}))
    assert [u["username"] for u in everyone] == ["root", "ana.torres", "bea"]
    assert api.client(secret).get("/auth/me").status_code == 401  # the token died with it
    back = ok(admin.post("/users/ana.torres/reactivate"))
    assert (back["user"]["is_active"], back["revoked_tokens"]) == (True, 1)
    # Reactivated, she starts afresh: the token from before stays dead.
    assert api.client(secret).get("/auth/me").status_code == 401
    assert api.client(api.token("ana.torres")).get("/auth/me").status_code == 200


def test_invalid_input_names_the_field_and_what_is_allowed(api: Api, admin: httpx.Client) -> None:
    api.user("bea")
    bad_role = admin.post("/users", json={"username": "x", "full_name": "X", "role": "root"})
    assert invalid(bad_role, "role", "'root'", "allowed: admin, technician, user")
    assert invalid(
        admin.get("/users", params={"role": "boss"}), "role", "allowed: admin, technician, user"
    )
    assert invalid(admin.put("/users/bea/role", json={"role": "boss"}), "role", "allowed:")
    too_long = admin.post("/users", json={"username": "x", "full_name": "X" * 201})
    assert invalid(too_long, "full_name") == "full_name is too long (at most 200 characters)"
    assert invalid(admin.patch("/users/bea", json={"department": "D" * 101}), "department")
    assert invalid(admin.post("/users", json={"username": "a b", "full_name": "X"}), "username")
    assert invalid(admin.patch("/users/bea", json={"email": "not-an-address"}), "email")
    assert invalid(admin.patch("/users/bea", json={"full_name": "A\x00B"}), "full_name", "NUL")
    assert invalid(admin.patch("/users/bea", json={"is_active": True}), "is_active", "unknown")
    assert invalid(admin.post("/users", json={"full_name": "X"}), "username", "required")
    assert ok(admin.get("/users/bea"))["department"] is None  # nothing was written


def test_unknown_users_are_404_problems(admin: httpx.Client) -> None:
    for ref in ("nobody", "987654", "99999999999999999999", "%C2%B2"):
        body = problem(admin.get(f"/users/{ref}"), 404, NOT_FOUND)
        assert body["detail"].endswith("does not exist")
    problem(admin.patch("/users/nobody", json={"department": "IT"}), 404, NOT_FOUND)
    problem(admin.put("/users/nobody/role", json={"role": "user"}), 404, NOT_FOUND)
    problem(admin.post("/users/nobody/deactivate"), 404, NOT_FOUND)
    problem(admin.put("/users/nobody/password", json={"password": "long-enough"}), 404, NOT_FOUND)


def test_a_taken_username_conflicts_whatever_its_case(api: Api, admin: httpx.Client) -> None:
    api.user("jdoe")
    got = admin.post("/users", json={"username": "JDoe", "full_name": "John Doe"})
    body = problem(got, 409, "username-taken")
    assert body["detail"] == "username 'jdoe' is already taken"


def test_admins_cannot_lock_themselves_out(api: Api, admin: httpx.Client) -> None:
    refused = problem(admin.post("/users/root/deactivate"), 403, "self-lockout")
    assert refused["detail"] == "you cannot deactivate your own account; another admin can"
    problem(admin.put("/users/root/role", json={"role": "technician"}), 403, "self-lockout")
    problem(admin.patch("/users/root", json={"role": "user"}), 403, "self-lockout")
    assert ok(admin.patch("/users/root", json={"role": "admin", "department": "IT"}))["role"] == (
        "admin"
    )
    other = api.client(api.token(api.user("ada", role="admin")))
    assert ok(other.put("/users/root/role", json={"role": "technician"}))["role"] == "technician"
    assert ok(other.post("/users/root/deactivate"))["is_active"] is False


def test_technicians_read_users_and_end_users_only_themselves(api: Api) -> None:
    tech = api.as_new("tess", role="technician")
    eve = api.as_new("eve")
    bea = api.user("bea")
    assert [u["username"] for u in ok(tech.get("/users"))] == ["tess", "eve", "bea"]
    assert ok(tech.get(f"/users/{bea.id}"))["username"] == "bea"
    me = ok(eve.get("/users/eve"))
    assert ok(eve.get(f"/users/{me['id']}")) == me
    # Anyone else is refused the same way whether they exist or not: nothing leaks.
    other = problem(eve.get("/users/bea"), 403, "forbidden")
    ghost = problem(eve.get("/users/ghost"), 403, "forbidden")
    assert other["detail"] == ghost["detail"] == "end users may only see their own account"
    problem(eve.get("/users"), 403, "forbidden")

    for client in (tech, eve):
        problem(client.post("/users", json={"username": "z", "full_name": "Z"}), 403, "forbidden")
        problem(client.patch("/users/bea", json={"department": "IT"}), 403, "forbidden")
        problem(client.put("/users/bea/role", json={"role": "admin"}), 403, "forbidden")
        problem(client.post("/users/bea/deactivate"), 403, "forbidden")
        problem(
            client.put("/users/bea/password", json={"password": "pwned-pass"}), 403, "forbidden"
        )
    assert ok(tech.get("/users/bea"))["role"] == "user"
    problem(api.client(api.token(bea, kind=TokenKind.AGENT)).get("/users/bea"), 403, "forbidden")
    problem(api.client().get("/users"), 401, "unauthenticated")


def test_passwords_admins_set_them_people_change_their_own(api: Api, admin: httpx.Client) -> None:
    api.user("bea", role="technician")
    set_it = admin.put("/users/bea/password", json={"password": "first-password"})
    assert set_it.json() == {"revoked_tokens": 0}, set_it.text
    login = api.client().post("/auth/login", json={"username": "bea", "password": "first-password"})
    bea = api.client(ok(login, 201)["token"])

    missing = bea.put("/users/bea/password", json={"password": "second-password"})
    assert "current_password is required" in problem(missing, 422, "invalid-input")["detail"]
    weak = bea.put("/users/bea/password", json={"password": "short", "current_password": "x"})
    assert "too short" in problem(weak, 422, "invalid-input")["detail"]
    change = {"password": "second-password", "current_password": "first-password"}
    assert ok(bea.put("/users/bea/password", json=change), 200) == {"revoked_tokens": 0}
    anon = api.client()
    assert anon.post("/auth/login", json={"username": "bea", "password": "first-password"}).is_error
    new = anon.post("/auth/login", json={"username": "bea", "password": "second-password"})
    assert new.status_code == 201

    # A wrong current password is a failed login: refused, recorded, and throttled.
    guess = {"password": "third-password", "current_password": "a-wrong-guess"}
    for _ in range(api.settings.api.login.per_account):
        problem(bea.put("/users/bea/password", json=guess), 403, "wrong-password")
    problem(bea.put("/users/bea/password", json=guess), 429, "too-many-logins")
    locked = anon.post("/auth/login", json={"username": "bea", "password": "second-password"})
    assert locked.status_code == 429
