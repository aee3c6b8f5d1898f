"""Browser journeys: the three apps served on real sockets, driven by Playwright in Debian's chromium.

Screenshots of every step go to tests/e2e/screenshots/<test>/ (kept as CI artifacts). Without
chromium the journeys skip locally, but fail when MARKETPLACE_E2E_REQUIRED=1 (as .ci/run sets).
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

SCREENSHOTS = Path(__file__).parent / "screenshots"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


class LiveServer:
    def __init__(self, app) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()


@pytest.fixture(scope="session")
def live(_platform) -> Iterator[dict[str, str]]:
    """Base URLs of the three portals served on loopback (peers still call each other in-process)."""
    servers = {name: LiveServer(app) for name, app in _platform.apps.items()}
    yield {name: server.url for name, server in servers.items()}
    for server in servers.values():
        server.stop()


@pytest.fixture(scope="session")
def browser():
    executable = _chromium()
    if executable is None:
        if os.environ.get("MARKETPLACE_E2E_REQUIRED") == "1":
            pytest.fail("chromium is required for the browser journeys (apt-get install chromium)")
        pytest.skip("chromium is not installed; .ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


class Shots:
    """Numbered screenshots of one test's steps."""

    def __init__(self, name: str) -> None:
        self.folder = SCREENSHOTS / re.sub(r"[^\w.-]+", "_", name)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def __call__(self, page, step: str) -> None:
        self.count += 1
        slug = re.sub(r"[^\w-]+", "-", step)
        page.screenshot(path=str(self.folder / f"{self.count:02d}-{slug}.png"), full_page=True)


@pytest.fixture
def shots(request) -> Shots:
    return Shots(request.node.name)


def new_page(browser, *, javascript: bool = True):
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    return context.new_page()


@pytest.fixture(params=["js", "no-js"])
def js_mode(request) -> bool:
    return request.param == "js"
