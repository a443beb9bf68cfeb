"""The spreadsheet-formula guard of CSV exports is undone exactly by the import."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itsm.tickets.csv_cells import guard, unguard


@pytest.mark.parametrize(
    ("cell", "exported"),
    [
        ("=1+1", "'=1+1"),
        ("+34 600", "'+34 600"),
        ("-5 grados", "'-5 grados"),
        ("@admin", "'@admin"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("'=x", "''=x"),
        ("'hola", "'hola"),
        ("Impresora = rota", "Impresora = rota"),
        ("", ""),
    ],
)
def test_guard(cell: str, exported: str) -> None:
    assert guard(cell) == exported
    assert unguard(exported) == cell


@given(st.text(alphabet="'=+-@\t\rab", max_size=8))
def test_round_trip(cell: str) -> None:
    assert unguard(guard(cell)) == cell
    assert not guard(cell).lstrip("'")[:1] or guard(cell)[0] not in "=+-@\t\r"
