"""Assertions shared by the API tests of users, knowledge base, inventory and reports."""

from __future__ import annotations

from typing import Any

import httpx

PROBLEM = "application/problem+json"


def ok(got: httpx.Response, status: int = 200) -> Any:
    """The JSON body of a response that must have ``status``."""
    assert got.status_code == status, got.text
    return got.json()


def problem(got: httpx.Response, status: int, type_slug: str) -> dict[str, Any]:
    """An RFC 9457 problem of ``status`` whose type is ``urn:itsm:problem:<type_slug>``."""
    assert got.status_code == status, got.text
    assert got.headers["content-type"] == PROBLEM
    body: dict[str, Any] = got.json()
    assert body["type"] == f"urn:itsm:problem:{type_slug}"
    assert body["status"] == status
    assert body["detail"]
    return body


def invalid(got: httpx.Response, field: str, *words: str) -> str:
    """A 422 whose errors name ``field``; its message holds each of ``words``."""
    body = problem(got, 422, "invalid-input")
    fields: dict[str, str] = {e["field"]: e["message"] for e in body["errors"]}
    assert field in fields, body
    for word in words:
        assert word in fields[field], fields[field]
    return fields[field]
