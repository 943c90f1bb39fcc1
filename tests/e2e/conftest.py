"""Browser tests: Playwright driving Debian's chromium (never a downloaded browser)."""

from __future__ import annotations

import pytest

from tests.conftest import need_browser


@pytest.fixture(autouse=True)
def allow_orm_beside_playwright(monkeypatch):
    """Playwright's sync API runs an event loop in the test thread; the test's own ORM calls
    (fixtures, assertions) are still synchronous and safe."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def browser():
    """One browser per test: Playwright's event loop must not outlive the test that needs it."""
    executable = need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield browser
        # ORM calls made while Playwright's loop runs get their own context-local connection; close it
        # here, inside that context, or it outlives the test database.
        from django.db import connections

        connections.close_all()
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def login(page, live_server):
    def login_as(username: str, password: str = "pw"):
        page.goto(f"{live_server.url}/admin/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("input[type=submit]")
        page.wait_for_url(f"{live_server.url}/admin/")
        return page

    return login_as


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def axe_script():
    """axe-core from npm, unchanged; `.ci/run` installs it under var/npm (skip without it, unless required)."""
    from pathlib import Path

    from django.conf import settings

    from tests.conftest import REQUIRE_BROWSER

    script = Path(settings.BASE_DIR) / "var/npm/node_modules/axe-core/axe.min.js"
    if not script.exists():
        message = f"axe-core is not installed at {script} (.ci/run fetches it from the npm registry)"
        if REQUIRE_BROWSER:
            pytest.fail(message)
        pytest.skip(message)
    return script


@pytest.fixture
def axe_violations(axe_script):
    """Run axe-core on the page as it is now, at the WCAG 2.1 A/AA tags; a readable list of what fails.

    The page's Content-Security-Policy forbids injected scripts, so pages checked this way come from a
    context opened with `bypass_csp=True` (the policy itself is tested elsewhere)."""

    def run(page) -> list[str]:
        page.add_script_tag(path=str(axe_script))
        results = page.evaluate(
            "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
            AXE_TAGS,
        )
        return [
            f"{violation['id']} ({violation['impact']}): {violation['help']} -> "
            + ", ".join(" ".join(map(str, node["target"])) for node in violation["nodes"][:8])
            for violation in results["violations"]
        ]

    return run
