"""Reading settings from the environment, with one clear line per mistake.

Settings errors are raised as ``ConfigError`` (a ``SystemExit``) so that manage.py,
gunicorn and celery all stop with the message alone instead of a stack trace.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql", "postgis"}
BROKER_SCHEMES = {
    "redis",
    "rediss",
    "redis+socket",
    "amqp",
    "amqps",
    "pyamqp",
    "filesystem",
    "memory",
    "sqs",
}


class ConfigError(SystemExit):
    """A setting is missing or malformed; the message names the variable."""

    def __init__(self, variable: str, problem: str) -> None:
        self.variable = variable
        super().__init__(f"Configuration error: {variable} {problem}")


def validate_database_url(url: str, *, variable: str = "DATABASE_URL") -> str:
    """Return ``url`` if it is a usable PostgreSQL URL, else raise ConfigError."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ConfigError(variable, f"is not a valid URL ({exc}).") from None
    if parts.scheme not in POSTGRES_SCHEMES:
        raise ConfigError(
            variable,
            f"must be a PostgreSQL URL like postgres://user:pass@host:5432/dbname "
            f"(got scheme {parts.scheme or 'none'!r}).",
        )
    has_socket_host = "host" in parse_qs(parts.query)
    if not (parts.hostname or has_socket_host):
        raise ConfigError(variable, "has no host (postgres://user:pass@HOST:5432/dbname).")
    if not parts.path.strip("/"):
        raise ConfigError(variable, "has no database name (postgres://user:pass@host/DBNAME).")
    if port is not None and not 0 < port < 65536:
        raise ConfigError(variable, f"has an invalid port {port}.")
    return url


def validate_broker_url(url: str, *, variable: str = "CELERY_BROKER_URL") -> str:
    """Return ``url`` if Celery can use it as a broker, else raise ConfigError."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - evaluating the port validates it
    except ValueError as exc:
        raise ConfigError(variable, f"is not a valid URL ({exc}).") from None
    if parts.scheme not in BROKER_SCHEMES:
        raise ConfigError(
            variable,
            f"must be a broker URL such as redis://host:6379/0 or amqp://user:pass@host// "
            f"(got scheme {parts.scheme or 'none'!r}).",
        )
    if parts.scheme.startswith(("redis", "amqp", "pyamqp")) and not (
        parts.hostname or parts.scheme == "redis+socket"
    ):
        raise ConfigError(variable, "has no host (redis://HOST:6379/0).")
    return url


def require(value: str | None, *, variable: str, why: str) -> str:
    """Return a non-empty ``value`` or stop with a line naming ``variable``."""
    if not value:
        raise ConfigError(variable, f"is required {why}.")
    return value


def development_secret_key(*, key_file: Path) -> str:
    """The development profile's secret key: read from ``key_file``, created on first use.

    The key is written to a private temporary file and linked into place, so processes
    starting together agree on one key and none reads a half-written file.
    """
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        draft = key_file.with_name(f".{key_file.name}.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
        try:
            os.link(draft, key_file)
        except FileExistsError:
            pass  # another process won the race; use its key
        finally:
            draft.unlink()
    return key_file.read_text().strip()
