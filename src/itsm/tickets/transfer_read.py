"""Reading ticket files for import: CSV or JSON Lines, streamed, one record at a time.

Each record comes with the line it starts on, so every problem can be reported as
``line N: reason``. Nothing here keeps more than one record in memory. A file that
is not UTF-8 does not stop the reading: the records holding such lines are bad.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from itsm.errors import N_, InvalidInput
from itsm.tickets.csv_cells import unguard
from itsm.wording import count

REQUIRED = ("title", "category", "requester")
OPTIONAL = (
    "description",
    "priority",
    "status",
    "assignee",
    "created_at",
    "resolved_at",
    "closed_at",
    "resolution_note",
    "source",
    "external_id",
)
COLUMNS = (*REQUIRED, *OPTIONAL)
# What an export adds; accepted on import and ignored (the import gives new ones).
IGNORED = ("id", "number")
KNOWN = frozenset((*COLUMNS, *IGNORED))


class Format(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


_EXTENSIONS = {".csv": Format.CSV, ".jsonl": Format.JSONL, ".ndjson": Format.JSONL}


def format_of(path: Path, given: str | None) -> Format:
    """The format asked for, else the one the file name says."""
    if given:
        try:
            return Format(given.strip().lower())
        except ValueError:
            raise InvalidInput(
                N_("invalid format %(given)r; allowed: csv, jsonl"), given=given
            ) from None
    found = _EXTENSIONS.get(path.suffix.lower())
    if found is None:
        raise InvalidInput(
            N_(
                "cannot tell the format of %(name)r from its extension (.csv, .jsonl "
                "or .ndjson); pass --format csv or --format jsonl"
            ),
            name=path.name,
        )
    return found


@dataclass(frozen=True, slots=True)
class Record:
    """One row of the file: its values, or why it could not even be read."""

    line: int
    values: dict[str, Any]
    problem: str | None = None


class HeaderError(InvalidInput):
    """The CSV header itself is unusable: no row can be read."""

    def __init__(self, reason: str) -> None:
        super().__init__(N_("line 1: %(reason)s"), reason=reason)
        self.reason = reason


def unknown_columns(names: list[str]) -> str | None:
    unknown = [n for n in names if n not in KNOWN]
    if not unknown:
        return None
    shown = ", ".join(repr(n) for n in unknown)
    return f"unknown column{'s' if len(unknown) > 1 else ''} {shown}; allowed: {', '.join(COLUMNS)}"


class _Lines:
    """Numbered text lines of a binary file; a line that is not UTF-8 is noted, not fatal."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.number = 0
        self.bad: list[int] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        data = next(self._raw)
        self.number += 1
        if self.number == 1 and data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8) :]
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            self.bad.append(self.number)
            return data.decode("utf-8", "replace")

    def bad_between(self, first: int, last: int) -> bool:
        """Whether a line in ``first..last`` was not UTF-8; forgets lines before ``last``."""
        found = any(first <= n <= last for n in self.bad)
        self.bad = [n for n in self.bad if n > last]
        return found


_NOT_UTF8 = "not valid UTF-8 text"


def read_records(path: Path | IO[bytes], fmt: Format) -> Iterator[Record]:
    """Every record of the file (or of an open binary stream: the API's body), in
    order; blank lines are skipped."""
    try:
        raw = path.open("rb") if isinstance(path, Path) else path
    except OSError as exc:
        raise InvalidInput(
            N_("cannot read %(path)s: %(reason)s"), path=path, reason=exc.strerror or exc
        ) from None
    with raw:
        lines = _Lines(raw)
        if fmt is Format.CSV:
            yield from _csv_records(lines)
        else:
            yield from _jsonl_records(lines)


def _csv_records(lines: _Lines) -> Iterator[Record]:
    try:
        head = next(lines)
    except StopIteration:
        return
    # Spreadsheets in locales with a decimal comma (Spanish among them) save with ';'.
    delimiter = ";" if head.count(";") > head.count(",") else ","
    reader = csv.reader(itertools.chain([head], lines), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise HeaderError(f"unreadable header: {exc}") from None
    names = [h.strip().lower() for h in header]
    _check_header(names, bad=lines.bad_between(1, lines.number))
    while True:
        first = lines.number + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Record(first, {}, f"unreadable CSV: {exc}")
            if lines.number < first:  # nothing more was consumed: the end of the file
                return
            continue
        if not fields:  # a blank line
            continue
        if lines.bad_between(first, lines.number):
            yield Record(first, {}, _NOT_UTF8)
        elif len(fields) != len(names):
            yield Record(
                first,
                {},
                f"has {count(len(fields), 'field')} "
                f"but the header has {count(len(names), 'column')}",
            )
        else:
            yield Record(first, dict(zip(names, map(unguard, fields), strict=True)))


def _check_header(names: list[str], *, bad: bool) -> None:
    if bad:
        raise HeaderError(_NOT_UTF8)
    problems = []
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        problems.append(f"repeated column {', '.join(repr(n) for n in repeated)}")
    unknown = unknown_columns(names)
    if unknown:
        problems.append(unknown)
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        problems.append(f"missing required column {', '.join(repr(m) for m in missing)}")
    if problems:
        raise HeaderError("; ".join(problems))


def _jsonl_records(lines: _Lines) -> Iterator[Record]:
    for text in lines:
        number = lines.number
        if lines.bad_between(number, number):
            yield Record(number, {}, _NOT_UTF8)
            continue
        text = text.strip()
        if not text:
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            yield Record(number, {}, f"invalid JSON: {exc.msg} (column {exc.colno})")
            continue
        except RecursionError:
            yield Record(number, {}, "invalid JSON: nested too deeply")
            continue
        if not isinstance(value, dict):
            yield Record(number, {}, f"a line must hold one JSON object, not {_kind(value)}")
            continue
        unknown = unknown_columns(list(value))
        if unknown:
            yield Record(number, {}, unknown.replace("column", "key"))
            continue
        yield Record(number, value)


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    if value is None:
        return "null"
    return f"a {type(value).__name__.replace('str', 'string')}"


def export_format(output: Path | None, given: str | None) -> Format:
    """The format asked for, else the one the output file's name says, else CSV."""
    if given or (output is not None and output.suffix.lower() in _EXTENSIONS):
        return format_of(output or Path("-"), given)
    return Format.CSV
