"""The admin, the cockpit, the status page and the API docs work under the Content-Security-Policy:
clocks tick, the severity suggestion answers, colours from data are applied, Swagger UI renders, and
the browser reports no CSP violation and no console error."""

from __future__ import annotations

import pytest

from tests.factories import IncidentFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile + ":" + e.lineNumber);
});
"""


@pytest.fixture
def watched(page):
    problems: list[str] = []
    page.add_init_script(RECORD_VIOLATIONS)
    # A missing file is named by its response (the console's message has no URL); browsers ask for a
    # favicon nobody links.
    page.on(
        "console",
        lambda m: (
            problems.append(f"console: {m.text}")
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response",
        lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 and "favicon" not in r.url else None,
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))

    def violations() -> list[str]:
        return problems + page.evaluate("window.__csp || []")

    return page, violations


def test_cockpit_and_declare_form_work_under_the_policy(live_server, login, commander, severities, watched):
    page, violations = watched
    login(commander.username)
    incident = IncidentFactory.create(by=commander, title="Checkout returns 500")
    # The admin index's live board: severity levels coloured by the stylesheet.
    page.goto(f"{live_server.url}/admin/")
    level = page.locator(".wr-board-table .wr-level").first
    level.wait_for()
    assert level.evaluate("el => getComputedStyle(el).backgroundColor") not in ("", "rgba(0, 0, 0, 0)")
    # The incident list: severity badges get their policy's colour from data-swatch (no inline style).
    page.goto(f"{live_server.url}/admin/incidents/incident/")
    badge = page.locator(".wr-badge[data-swatch]").first
    badge.wait_for()
    assert badge.evaluate("el => getComputedStyle(el).backgroundColor") not in ("", "rgba(0, 0, 0, 0)")

    # The cockpit: the SLA countdowns tick.
    page.goto(f"{live_server.url}/admin/incidents/incident/{incident.pk}/change/")
    countdown = page.locator(".wr-countdown[data-due]").first
    countdown.wait_for()
    first = countdown.inner_text()
    page.wait_for_function(
        "([el, before]) => el.textContent !== before", arg=[countdown.element_handle(), first], timeout=5000
    )

    # The declare form: the severity suggestion answers.
    page.goto(f"{live_server.url}/admin/incidents/incident/add/")
    page.fill("#id_title", "Payments down")
    page.check("#id_service_down")
    page.wait_for_selector("#wr-suggestion:has-text('Suggested severity: P1')")
    assert violations() == []


def test_status_page_works_under_the_policy(live_server, commander, severities, watched):
    page, violations = watched
    IncidentFactory.create(by=commander)
    response = page.goto(f"{live_server.url}/status/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    page.wait_for_selector("header.site")
    assert page.locator("body").evaluate("el => getComputedStyle(el).margin") is not None
    for path in ("/status/history/", "/status/uptime/", "/status/subscribe/"):
        page.goto(f"{live_server.url}{path}")
    assert violations() == []


def test_api_docs_render_under_their_policy(live_server, login, commander, watched):
    page, violations = watched
    login(commander.username)
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title:has-text('Warroom API')")
    assert violations() == []
