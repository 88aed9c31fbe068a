"""Server-side, binary parameter binding for bulk statements over ``unnest`` arrays.

Django's cursors bind parameters client-side, quoting every element of an array with a
regular expression, a large part of a bulk harvest's time (docs/measurements.md). A plain
psycopg cursor on Django's connection sends the same parameters server-side, and with
``%b`` placeholders in binary, so arrays of text, numbers and dates cost no escaping.
The statements run in Django's transaction (same connection), but bypass Django's
query logging and execute wrappers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from django.db import connection

Params = Mapping[str, object] | Sequence[object]


def fetch_binary(sql: str, params: Params) -> list[tuple[Any, ...]]:
    """Run ``sql`` (``%b`` or ``%(name)b`` placeholders) and return its rows, if any."""
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def execute_binary(sql: str, params: Params) -> int:
    """Run ``sql`` (``%b`` or ``%(name)b`` placeholders) and return the rows it touched."""
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def as_columns(rows: Sequence[tuple[object, ...]], *, width: int) -> list[list[object]]:
    """Rows to one list per column, as ``unnest`` takes them (empty lists for no rows)."""
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[]] * width
