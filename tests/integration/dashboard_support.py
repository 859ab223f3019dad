"""Support of the dashboard's browser tests: the dashboard as a child process and a
headless Debian chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from streams.settings import Settings
from streams.stack.children import LeadstreamProcess
from tests.integration.helpers import closed_port, wait_until

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


class DashboardProcess(LeadstreamProcess):
    """``leadstream dashboard`` on a free port; ``url`` once it answers."""

    def __init__(self, settings: Settings, log: Path, **env: object):
        self.port = closed_port()
        super().__init__(["dashboard", "--port", str(self.port)], settings, log, **env)
        self.url = f"http://127.0.0.1:{self.port}"
        wait_until(self._answers, 60, "the dashboard answering")

    def _answers(self) -> bool:
        self.check_alive()
        try:
            return httpx.get(f"{self.url}/api/overview", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def payload(self, page: str) -> dict:
        return httpx.get(f"{self.url}/api/{page}", timeout=10).json()


@contextmanager
def chromium_page(console_errors: list[str]) -> Iterator[object]:
    """A headless chromium page; console errors and page errors land in ``console_errors``."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is missing: scripts/bootstrap.sh installs Debian's chromium")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: console_errors.append(m.text)
                    if m.type == "error" else None)
            page.on("pageerror", lambda e: console_errors.append(str(e)))
            yield page
        finally:
            browser.close()
