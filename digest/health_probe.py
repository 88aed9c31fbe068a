"""The container health probe: GET /healthz the way the TLS proxy forwards a request.

Run by docker (`python digest/health_probe.py`), standard library only: no settings, no
database, no Celery. Django answers 400 to a Host it does not serve, so the request names
the first of ALLOWED_HOSTS (where a bare 127.0.0.1 would fail with the documented
.env), and carries the proxy's X-Forwarded-Proto so that production's https redirect
does not apply. Exit status 0 when /healthz answers 200.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8000/healthz"


def probe_host(allowed_hosts: str) -> str:
    """A Host header the site serves: the first of ALLOWED_HOSTS, a wildcard made concrete."""
    first = next((h.strip() for h in allowed_hosts.split(",") if h.strip()), "")
    if first in {"", "*"}:
        return "localhost"
    return first.lstrip(".")  # ".example.org" serves example.org and its subdomains


def probe(*, url: str, host: str, timeout: float = 5.0) -> int:
    """The HTTP status /healthz answers (0 when nothing answers)."""
    request = urllib.request.Request(url, headers={"Host": host, "X-Forwarded-Proto": "https"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except (OSError, ValueError):
        return 0


def main() -> int:
    url = os.environ.get("HEALTH_PROBE_URL", DEFAULT_URL)
    host = probe_host(os.environ.get("ALLOWED_HOSTS", ""))
    status = probe(url=url, host=host)
    if status != 200:
        sys.stderr.write(f"{url} (Host: {host}) answered {status or 'nothing'}\n")
    return 0 if status == 200 else 1


if __name__ == "__main__":
    raise SystemExit(main())
