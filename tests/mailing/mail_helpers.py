"""Reading what arrived: parts, links, and following our own links in the test client."""

from __future__ import annotations

import html
import re
from email.message import EmailMessage

from django.conf import settings

HREF = re.compile(r'href="([^"]+)"')
URL = re.compile(r"https?://\S+")


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain-text and HTML bodies of a multipart/alternative message."""
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",))
    rich = message.get_body(preferencelist=("html",))
    assert text is not None and rich is not None
    return text.get_content(), rich.get_content()


def links(message: EmailMessage) -> set[str]:
    text, rich = parts(message)
    found = {html.unescape(url) for url in HREF.findall(rich)}
    found |= {url.rstrip(").,>") for url in URL.findall(text)}
    return found


def site_path(url: str) -> str:
    assert url.startswith(settings.SITE_URL), url
    return url.removeprefix(settings.SITE_URL)


def unsubscribe_targets(message: EmailMessage) -> tuple[str, str]:
    """The https and mailto targets of List-Unsubscribe."""
    targets = re.findall(r"<([^>]+)>", str(message["List-Unsubscribe"]))
    https = [t for t in targets if t.startswith("http")]
    mailto = [t for t in targets if t.startswith("mailto:")]
    assert len(https) == 1 and len(mailto) == 1, targets
    return https[0], mailto[0]
