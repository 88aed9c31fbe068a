"""Playwright's sync API on a thread of its own, driving Debian's Chromium.

Playwright's sync API runs an asyncio event loop in the thread that starts it, and Django
refuses ORM calls from a thread with a running loop (``SynchronousOnlyOperation``). Rather
than switch that safety check off (``DJANGO_ALLOW_ASYNC_UNSAFE``), the browser lives on its
own thread: a test hands it a script (``browser.run(script)``) and gets back the result or
the script's exception, while the test's own thread (factories, assertions on the
database) and the live server's thread never see an event loop.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(settings.BASE_DIR) / "test-output" / "screenshots"
BLOCKING_IMPACTS = {"serious", "critical"}
TIMEOUT_MS = 10_000

T = TypeVar("T")


def missing_tools() -> str:
    """Why the browser tests cannot run here, or "" when they can."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing: `apt-get install chromium` (.ci/run does it)"
    if not AXE.exists():
        return f"{AXE} is missing: `npm ci` (make install does it)"
    return ""


class BrowserThread:
    """One Chromium for the session, owned by one thread; every call is run there."""

    def __init__(self) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="playwright")
        self._playwright: Any = None
        self._browser: Any = None
        self.call(self._start)

    def _start(self) -> None:
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )

    def call(self, function: Callable[..., T], *args: Any) -> T:
        return self._thread.submit(function, *args).result()

    def new_page(
        self, *, base_url: str, color_scheme: str = "light", console: list[str] | None = None,
        user_agent: str | None = None, init_script: str = "",
    ) -> Any:  # fmt: skip
        """A page in a fresh context; the site's Content-Security-Policy stays on. axe-core
        comes as an init script (the CSP would refuse it as an inline script), and
        ``console`` collects the browser's CSP refusals; ``user_agent`` and ``init_script``
        make it present itself as another browser."""

        def make() -> Any:
            context = self._browser.new_context(
                base_url=base_url,
                color_scheme=color_scheme,
                viewport={"width": 1200, "height": 900},
                **({"user_agent": user_agent} if user_agent else {}),
            )
            context.set_default_timeout(TIMEOUT_MS)
            if AXE.exists():
                context.add_init_script(path=str(AXE))
            if init_script:
                context.add_init_script(init_script)
            page = context.new_page()
            if console is not None:
                page.on("console", lambda message: _keep_csp_refusal(message.text, console))
            return page

        return self.call(make)

    def close(self) -> None:
        def stop() -> None:
            self._browser.close()
            self._playwright.stop()

        self.call(stop)
        self._thread.shutdown()


def _keep_csp_refusal(text: str, console: list[str]) -> None:
    if "Content Security Policy" in text:
        console.append(text)


@dataclass
class Browser:
    """A fresh browser context for one test, against the live server."""

    thread: BrowserThread
    page: Any
    test_name: str
    csp_refusals: list[str] = field(default_factory=list)

    def run(self, script: Callable[..., T], *args: Any) -> T:
        """Run ``script(page, *args)`` on the browser's thread; its exceptions come back here."""
        return self.thread.call(script, self.page, *args)

    def screenshot(self, name: str, *, full_page: bool = False) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{_slug(self.test_name)}--{_slug(name)}.png"
        self.run(lambda page: page.screenshot(path=str(path), full_page=full_page))
        return path

    def axe_violations(self) -> list[dict[str, Any]]:
        """axe-core's serious and critical violations on the page as it is now."""
        return self.run(_axe_run)

    def assert_accessible(self, what: str) -> None:
        violations = self.axe_violations()
        assert not violations, f"{what}: accessibility violations\n" + json.dumps(
            violations, indent=1
        )

    def close(self) -> None:
        self.thread.call(lambda: self.page.context.close())


def _axe_run(page: Any) -> list[dict[str, Any]]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):  # set by the init script
        raise RuntimeError("axe-core was not injected into the page")
    results = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations"""
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [
                {
                    "target": n["target"],
                    "html": n["html"][:200],
                    "summary": n.get("failureSummary", "")[:300],
                }
                for n in v["nodes"][:5]
            ],
        }
        for v in results
        if v["impact"] in BLOCKING_IMPACTS
    ]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:80]
