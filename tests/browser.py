"""One way to drive Debian's Chromium from a test (never `playwright install`), sign a
user in, check a page with axe-core and keep a screenshot of it."""

import contextlib
import os
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.test import Client

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextlib.contextmanager
def chromium_context(monkeypatch, **context_options):
    """A browser context on a fresh Chromium, closed (with the ORM's connections) after."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the test's ORM calls in
    # between are still plain synchronous calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(**context_options)
        context.set_default_timeout(15_000)
        try:
            yield context
        finally:
            browser.close()
            # Inside Playwright's loop the ORM works in another context, with a connection
            # of its own: close it, or the test database cannot be dropped after the run.
            connections.close_all()


SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"
AXE = Path(__file__).resolve().parent / "axe.min.js"
# axe-core's WCAG 2.0 and 2.1, levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SERIOUS = ("serious", "critical")
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1366, "height": 768}},
    "wide": {"viewport": {"width": 1920, "height": 1080}},
    # iPhone 13's screen: 390 x 844 CSS pixels at three device pixels each.
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 3,
        "is_mobile": True,
        "has_touch": True,
    },
}


def sign_in(context, live_server, user) -> None:
    """Give the browser a session for this user, as if they had signed in."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


def with_axe(context) -> None:
    """Load the vendored axe-core into every page of the context (no network needed). An
    init script is not subject to the site's Content-Security-Policy; a script tag would be."""
    context.add_init_script(path=str(AXE))


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2 A/AA violations on the page as it is now (the context went
    through `with_axe`): id, impact, help and the first few offending elements."""
    results = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [node["target"] for node in violation["nodes"][:5]],
        }
        for violation in results["violations"]
    ]


def serious(violations: list[dict]) -> list[dict]:
    return [violation for violation in violations if violation["impact"] in SERIOUS]


def screenshot(page, name: str) -> Path:
    """A full-page screenshot under var/screenshots/, to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
