"""What a harvested record must be before the database sees it.

PostgreSQL refuses two things a source can send in perfectly valid JSON or XML: the NUL
character and lone UTF-16 surrogates (``"\\ud800"`` in JSON). Text is cleaned of both and
kept otherwise byte for byte. Numbers are checked against the range of the column they
go to: one out-of-range integer in a bulk statement fails the whole page, so a record
holding one is set aside (quarantined) before the write instead.
"""

from __future__ import annotations

import dataclasses
import re
from functools import cache
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Field, Model

from papers.harvest.records import ArxivRecord, TrendingRecord, VersionRecord
from papers.models import Paper, PaperVersion, TrendingSignal

Record = TypeVar("Record")

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_REPLACEMENT = "\ufffd"

# Integer fields of each record type, and the column each one is stored in.
_INTEGER_COLUMNS: dict[type, dict[str, tuple[type[Model], str]]] = {
    ArxivRecord: {"version": (Paper, "version")},
    VersionRecord: {"version": (PaperVersion, "version")},
    TrendingRecord: {
        "rank": (TrendingSignal, "rank"),
        "upvotes": (TrendingSignal, "upvotes"),
        "comments": (TrendingSignal, "comments"),
        "github_stars": (TrendingSignal, "github_stars"),
    },
}


def text_clean(text: str) -> str:
    """``text`` without NUL characters, lone surrogates replaced by U+FFFD; else unchanged."""
    if text.isascii():
        return text.replace("\x00", "") if "\x00" in text else text
    return _LONE_SURROGATE.sub(_REPLACEMENT, text.replace("\x00", ""))


def record_clean(record: Record) -> Record:
    """A copy of a record (dataclass) with every string in it, however nested, cleaned."""
    cleaned: Record = _clean(record)
    return cleaned


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return text_clean(value)
    if isinstance(value, tuple | list):
        return type(value)(_clean(item) for item in value)
    if isinstance(value, dict):
        return {_clean(str(key)): _clean(item) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _clean(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    return value


def record_problems(record: object) -> list[str]:
    """Why the database would refuse ``record`` (and the records nested in it), if it would."""
    problems = []
    for name, (model, column) in _INTEGER_COLUMNS.get(type(record), {}).items():
        value = getattr(record, name)
        low, high = _column_range(model, column)
        if isinstance(value, int) and not low <= value <= high:
            problems.append(f"{name} {value} is outside its column's range ({low} to {high})")
    for nested in _nested_records(record):
        problems.extend(record_problems(nested))
    return problems


def _nested_records(record: object) -> list[object]:
    """The records stored along with ``record`` (a listing's paper is stored on its own)."""
    if isinstance(record, ArxivRecord):
        return list(record.versions)
    if isinstance(record, TrendingRecord) and record.paper is not None:
        return [record.paper]
    return []


@cache
def _column_range(model: type[Model], column: str) -> tuple[int, int]:
    field = model._meta.get_field(column)
    if not isinstance(field, Field):
        raise TypeError(f"{model.__name__}.{column} is not a column")
    low, high = connection.ops.integer_field_range(field.get_internal_type())
    return int(low), int(high)
