"""One way to drive Debian's Chromium from a test (never `playwright install`)."""

import contextlib
import os

from django.db import connections

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
