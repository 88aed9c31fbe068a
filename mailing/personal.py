"""The reader's own part of the daily email: what the reader app knows of an address
(their "For you" papers and their saved searches' new matches).

Mailing cannot import the reader app (it sits above it), so the reader hands its
function over at start-up (``ReaderConfig.ready``), as it hands trending its signals.
Without a provider, or for an address with no account, the email has no such part.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class PersonalPart:
    text: str
    html: str  # rows of the email's table, inline CSS, already escaped


PersonalProvider = Callable[..., PersonalPart | None]  # (*, email: str, day: date)
_provider: list[PersonalProvider] = []


def personal_provider_set(provider: PersonalProvider) -> None:
    _provider[:] = [provider]


def personal_part(*, email: str, day: date) -> PersonalPart | None:
    """The reader's own part of the day's email for ``email``, or None."""
    return _provider[0](email=email, day=day) if _provider else None
