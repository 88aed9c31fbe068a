"""Who is asking: a reader's browser, or a program (a crawler, a script, a headless browser).

Used to decide whether a page view may count as a trending signal. crawlerdetect carries
the maintained list of crawler and tool user agents; the pattern below adds the browsers
driven by programs, which present an ordinary engine with a telling token.
"""

from __future__ import annotations

import ipaddress
import re

from crawlerdetect import CrawlerDetect
from django.conf import settings
from django.http import HttpRequest
from django.utils.module_loading import import_string

_DRIVEN = re.compile(
    r"headless|phantomjs|electron/|puppeteer|playwright|selenium|webdriver|lighthouse|jsdom"
    r"|htmlunit|slimerjs|splash|cypress",
    re.IGNORECASE,
)
_CRAWLERS = CrawlerDetect()
USER_AGENT_MAX = 500


def is_automated(user_agent: str) -> bool:
    """True for no user agent, known bots and tools, and headless or driven browsers."""
    agent = user_agent.strip()[:USER_AGENT_MAX]
    return not agent or bool(_DRIVEN.search(agent)) or bool(_CRAWLERS.isCrawler(agent))


def network_of(address: str) -> str:
    """The network an address belongs to for per-network caps: its /24 (IPv4) or /48 (IPv6)."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address.strip()[:64] or "unknown"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def client_address(request: HttpRequest) -> str:
    """The client's address as the rate limits see it: RATELIMIT_IP_META_KEY (a META key set
    by the reverse proxy, or a dotted path to a function of the request), else REMOTE_ADDR."""
    key = getattr(settings, "RATELIMIT_IP_META_KEY", None)
    if isinstance(key, str) and "." in key:
        return str(import_string(key)(request))
    return str(request.META.get(key or "REMOTE_ADDR", "")).strip()
