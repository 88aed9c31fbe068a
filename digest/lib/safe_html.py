"""Harvested and written text on its way into HTML that we do not render ourselves.

Our pages autoescape; a feed reader or a mail client renders what we give it. So feed
content is either plain text made HTML (escaped, paragraphs kept) or HTML passed through
Ammonia's sanitiser (nh3): no script, no event handler, no ``javascript:`` URL survives.
A URL that came from a source becomes a link only if it is absolute http(s).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import nh3
from django.utils.html import escape

LINK_SCHEMES = frozenset({"http", "https"})
_PARAGRAPHS = re.compile(r"\n\s*\n")


def link_href(url: str) -> str:
    """``url`` if it is an absolute http(s) URL, else "" (``javascript:``, ``data:``, junk)."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in LINK_SCHEMES or not parts.netloc:
        return ""
    if any(ord(char) < 0x20 or char in "\"'<>` " for char in url):
        return ""
    return url


def html_from_text(text: str) -> str:
    """Plain text as inert HTML: escaped, blank lines as paragraph breaks."""
    paragraphs = [p.strip() for p in _PARAGRAPHS.split(text) if p.strip()]
    return "".join(f"<p>{escape(paragraph)}</p>" for paragraph in paragraphs)


def html_sanitise(html: str) -> str:
    """HTML with everything that could run removed (nh3's defaults, http(s)/mailto links)."""
    return nh3.clean(
        html,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
