"""Filters for the editors' trending view in the admin."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def weight_for(weights: dict[str, float], key: str) -> str:
    """The points a day adds to window ``key``'s heat, or a dash when outside the window."""
    return f"{weights[key]:.2f}" if key in weights else "–"
