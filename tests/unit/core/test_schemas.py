"""Input shapes: what is accepted, and the one-line message for what is not."""

from __future__ import annotations

from typing import Any

import pytest

from itsm.errors import InvalidInput
from itsm.inventory.schemas import AssetCreate
from itsm.kb.schemas import ArticleCreate, ArticleUpdate
from itsm.tickets.schemas import CommentCreate, TicketCreate, TicketFilters, TicketUpdate
from itsm.users.models import Role
from itsm.users.schemas import UserCreate
from itsm.validation import validated

TICKET: dict[str, Any] = {"title": "Printer jam", "category": "hardware", "requester_id": 1}
USER: dict[str, Any] = {"username": "ana", "full_name": "Ana Torres"}


def _message(model: type[Any], data: dict[str, Any]) -> str:
    with pytest.raises(InvalidInput) as info:
        validated(model, data)
    assert "\n" not in info.value.message
    return info.value.message


def test_username_is_normalised_to_lower_case() -> None:
    user = validated(UserCreate, {**USER, "username": "  Ana.Torres_2 "})
    assert user.username == "ana.torres_2"
    assert user.role is Role.USER
    assert user.email is None


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("ana torres", "invalid username: use letters, digits, '.', '_' or '-'"),
        ("-ana", "invalid username: use letters, digits, '.', '_' or '-'"),
        ("añá", "invalid username: use letters, digits"),
        ("   ", "username must not be empty"),
        ("a" * 65, "username is too long (at most 64 characters)"),
    ],
)
def test_bad_usernames_are_explained(username: str, expected: str) -> None:
    assert _message(UserCreate, {**USER, "username": username}).startswith(expected)


@pytest.mark.parametrize("email", ["ana", "ana@localhost", "@example.org", "ana @example.org"])
def test_bad_emails_are_explained(email: str) -> None:
    assert _message(UserCreate, {**USER, "email": email}) == (
        "invalid email: expected an address like name@example.org"
    )


def test_empty_email_means_none() -> None:
    assert validated(UserCreate, {**USER, "email": ""}).email is None


def test_bad_role_lists_the_roles() -> None:
    assert _message(UserCreate, {**USER, "role": "boss"}) == (
        "invalid role 'boss'; allowed: admin, technician, user"
    )


def test_missing_field_is_named() -> None:
    assert _message(UserCreate, {"username": "ana"}) == "full_name is required"


def test_unknown_field_is_refused() -> None:
    assert "invalid colour" in _message(UserCreate, {**USER, "colour": "blue"})


def test_ticket_title_is_stripped() -> None:
    assert validated(TicketCreate, {**TICKET, "title": "  Printer jam \n"}).title == "Printer jam"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("", "title must not be empty"),
        ("   \t ", "invalid title: title must not be empty"),
        ("x" * 201, "title is too long (at most 200 characters)"),
    ],
)
def test_bad_ticket_titles_are_explained(title: str, expected: str) -> None:
    assert _message(TicketCreate, {**TICKET, "title": title}) == expected


def test_title_limit_counts_characters_not_bytes() -> None:
    assert validated(TicketCreate, {**TICKET, "title": "ñ" * 200}).title == "ñ" * 200


def test_description_limit_is_64_kib_of_utf8() -> None:
    assert len(validated(TicketCreate, {**TICKET, "description": "a" * 65536}).description) == 65536
    # 32,769 two-byte characters: few characters, but more than 64 KiB.
    message = _message(TicketCreate, {**TICKET, "description": "é" * 32769})
    assert message == "invalid description: description is over 64 KiB (65538 bytes)"
    update = _message(TicketUpdate, {"description": "🖨" * 16385})
    assert update == "invalid description: description is over 64 KiB (65540 bytes)"


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("category", "printer", "invalid category 'printer'; allowed: hardware, software, "),
        ("priority", "urgent", "invalid priority 'urgent'; allowed: critical, high, medium, low"),
        ("source", "fax", "invalid source 'fax'; allowed: cli, api, web, email"),
        ("requester_id", 0, "invalid requester_id 0: "),
        ("category", None, "category is required; allowed: hardware, software, network, "),
    ],
)
def test_bad_ticket_fields_are_explained(field: str, value: object, expected: str) -> None:
    assert _message(TicketCreate, {**TICKET, field: value}).startswith(expected)


def test_blank_ticket_update_title_is_refused() -> None:
    assert _message(TicketUpdate, {"title": "  "}) == "invalid title: title must not be empty"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"body": ""}, "body must not be empty"),
        ({"body": " \n "}, "invalid body: comment must not be empty"),
        ({"body": "ok", "time_spent_minutes": -5}, "invalid time_spent_minutes -5: "),
        ({"body": "ü" * 40000}, "invalid body: comment is over 64 KiB (80000 bytes)"),
    ],
)
def test_bad_comments_are_explained(data: dict[str, Any], expected: str) -> None:
    assert _message(CommentCreate, data).startswith(expected)


def test_filters_refuse_unknown_status() -> None:
    message = _message(TicketFilters, {"status": ["open", "done"]})
    assert message.startswith("invalid status 'done'; allowed: open, in_progress, pending")


def test_article_tags_are_cleaned_and_deduplicated() -> None:
    article = validated(
        ArticleCreate,
        {
            "title": "Wi-Fi",
            "body": "x",
            "category": "network",
            "tags": [" WiFi", "wifi", "", "Red"],
        },
    )
    assert article.tags == ["wifi", "red"]


def test_article_body_limit_is_256_kib() -> None:
    data = {"title": "Big", "category": "other", "body": "ñ" * (128 * 1024 + 1)}
    assert _message(ArticleCreate, data) == (
        "invalid body: article body is over 256 KiB (262146 bytes)"
    )
    assert _message(ArticleUpdate, {"body": "x" * (256 * 1024 + 1)}).startswith(
        "invalid body: article body is over 256 KiB"
    )


def test_article_category_lists_the_categories() -> None:
    data = {"title": "T", "body": "B", "category": "printers"}
    assert _message(ArticleCreate, data) == (
        "invalid category 'printers'; allowed: hardware, software, network, account, other"
    )


def test_asset_type_lists_the_types() -> None:
    message = _message(AssetCreate, {"asset_tag": "PC-1", "asset_type": "toaster"})
    assert message.startswith("invalid asset_type 'toaster'; allowed: desktop, laptop, server")
