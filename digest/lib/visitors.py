"""Who is asking: a reader's browser, or a program (a crawler, a script, a headless browser).

Used to decide whether a page view may count as a trending signal. crawlerdetect carries
the maintained list of crawler and tool user agents; the pattern below adds the browsers
driven by programs, which present an ordinary engine with a telling token.
"""

from __future__ import annotations

import ipaddress
import re

from crawlerdetect import CrawlerDetect

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
