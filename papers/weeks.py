"""Weeks: the ISO week, Monday to Sunday, is the unit of topics, the Pulse and research logs.

A week is named by its Monday (``week_start``) everywhere it is stored, and written
``2026-W23`` wherever a person types or reads it.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

_ISO_WEEK = re.compile(r"(\d{4})-?W(\d{1,2})", flags=re.IGNORECASE)


class WeekError(ValueError):
    """Text that names no week."""


def week_start_of(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


def week_end(week_start: date) -> date:
    """The Sunday of the week that starts on ``week_start``."""
    return week_start + timedelta(days=6)


def week_parse(value: str) -> date:
    """``"2026-W23"`` (ISO week) or any ISO date -> the Monday of that week."""
    if match := _ISO_WEEK.fullmatch(value.strip()):
        try:
            return date.fromisocalendar(int(match[1]), int(match[2]), 1)
        except ValueError as exc:
            raise WeekError(f"no such ISO week: {value!r}") from exc
    try:
        return week_start_of(date.fromisoformat(value.strip()))
    except ValueError as exc:
        raise WeekError(f"expected a week like 2026-W23 or a date, not {value!r}") from exc


def week_label(week_start: date) -> str:
    """``2026-W23``: the week as people and URLs write it."""
    year, week, _ = week_start.isocalendar()
    return f"{year}-W{week:02d}"
