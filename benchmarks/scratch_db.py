"""A throw-away database on the configured server, so benchmarks never touch app data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from benchmarks.harness import setup_django


@contextmanager
def scratch_database() -> Iterator[None]:
    """Create a fresh database named $DIGEST_BENCH_DB, migrate it, drop it afterwards."""
    setup_django()
    from django.core.management import call_command
    from django.db import connection, connections

    name = os.environ.get("DIGEST_BENCH_DB", "digest_bench")
    original = connection.settings_dict["NAME"]
    _recreate(name)
    connection.close()
    connections["default"].settings_dict["NAME"] = name
    try:
        call_command("migrate", verbosity=0)
        yield
    finally:
        connection.close()
        connections["default"].settings_dict["NAME"] = original
        _drop(name)


def _admin_execute(sql: str) -> None:
    from django.db import connection

    with connection._nodb_cursor() as cursor:
        cursor.execute(sql)


def _recreate(name: str) -> None:
    _drop(name)
    _admin_execute(f'CREATE DATABASE "{name}"')


def _drop(name: str) -> None:
    _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
