"""The one helper every CLI choice option goes through: case and spaces do not matter."""

from __future__ import annotations

import pytest

from itsm.cli.common import choice, choice_list, choice_or_none
from itsm.errors import InvalidInput
from itsm.tickets.models import Priority, Status


@pytest.mark.parametrize("given", ["high", "High", "HIGH", " hIgH "])
def test_any_case_names_the_member(given: str) -> None:
    assert choice(Priority, given, name="priority") is Priority.HIGH


def test_a_wrong_value_names_the_option_and_what_is_allowed() -> None:
    with pytest.raises(InvalidInput) as caught:
        choice(Priority, "Urgent", name="priority")
    assert caught.value.message == (
        "invalid priority 'Urgent'; allowed: critical, high, medium, low"
    )


def test_an_option_left_out_is_none() -> None:
    assert choice_or_none(Status, None, name="status") is None
    assert choice_or_none(Status, "Pending", name="status") is Status.PENDING


def test_repeated_and_comma_separated_values() -> None:
    assert choice_list(Status, ["OPEN,In_Progress", " pending "], name="status") == [
        Status.OPEN,
        Status.IN_PROGRESS,
        Status.PENDING,
    ]
    assert choice_list(Status, None, name="status") == []
    with pytest.raises(InvalidInput, match="invalid status 'done'"):
        choice_list(Status, ["open,done"], name="status")
