"""The P1 story, declare to resolve, driven by the keyboard through the command palette (Ctrl-K).

The test counts what it cost: page loads of the main frame, mouse clicks (a listener the test puts in every
page counts trusted pointer presses) and key presses (trusted keydowns, counted the same way).
"""

from __future__ import annotations

from collections import Counter

import pytest

from incidents.models import Incident, IncidentStatus, TimelineKind
from incidents.statuspage.models import StatusUpdate
from tests.conftest import make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Declare (form, then cockpit), acknowledge, identified, publish, page, monitoring, resolve: one load each.
MAX_PAGE_LOADS = 8

COUNT_INPUT = """
(() => {
  const count = (kind) => (event) => { if (event.isTrusted) window.wrCount(kind); };
  window.addEventListener("pointerdown", count("click"), true);
  window.addEventListener("keydown", (event) => { if (event.isTrusted && !event.repeat) window.wrCount("key"); }, true);
})();
"""


class Story:
    """The page with counters, and the keyboard moves the story is made of."""

    def __init__(self, page):
        self.page = page
        self.counts: Counter[str] = Counter()
        self.loads = 0
        page.context.expose_binding("wrCount", lambda source, kind: self.counts.update([kind]))
        page.context.add_init_script(COUNT_INPUT)

    def start_counting(self) -> None:
        self.page.reload()  # so the counting listener is in the page the story starts on
        self.counts.clear()
        self.page.on("load", self._loaded)

    def _loaded(self, page) -> None:
        self.loads += 1

    def palette(self, text: str, *, match: bool = True) -> None:
        """Ctrl-K, type; the palette's first match is then active (or it says nothing matches)."""
        self.page.keyboard.press("Control+k")
        self.page.wait_for_selector("#wr-palette[open]")
        self.page.keyboard.type(text)
        if match:
            self.page.wait_for_selector("#wr-palette-list [aria-selected=true]")
        else:
            self.page.wait_for_selector("#wr-palette-status:has-text('No command or incident matches')")

    def active_option(self) -> str:
        return self.page.inner_text("#wr-palette-list [aria-selected=true] .wr-palette-label")

    def run(self, text: str, expect: str) -> None:
        """Ctrl-K, type, check the active command is the one meant, Enter; the page it leads to has loaded."""
        self.palette(text)
        assert self.active_option().startswith(expect), self.active_option()
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")

    def tab_to(self, selector: str, limit: int = 20) -> None:
        for _ in range(limit):
            if self.page.evaluate("(s) => document.activeElement.matches(s)", selector):
                return
            self.page.keyboard.press("Tab")
        raise AssertionError(f"Tab never reached {selector}")

    def focused_id(self) -> str:
        return self.page.evaluate("document.activeElement.id")

    def settle(self) -> None:
        self.page.evaluate("1")  # the counting calls made so far have reached the test


def test_p1_story_by_keyboard_through_the_palette(page, live_server, login, commander, django_user_model, severities):
    senior = make_user(django_user_model, "sam", "Responder", last_name="Senior")
    story = Story(page)
    login(commander.username)
    story.start_counting()
    keyboard = page.keyboard

    # Declare: Ctrl-K "declare" Enter opens the form with the cursor in the title.
    story.run("declare", "Declare an incident")
    assert story.focused_id() == "id_title"
    keyboard.type("Checkout returns 500 for every card payment")
    story.tab_to("#id_service_down")
    keyboard.press("Space")
    page.wait_for_selector("#wr-suggestion:has-text('Suggested severity: P1')")
    story.tab_to("#id_users_affected_pct")
    keyboard.type("80")
    with page.expect_navigation():
        keyboard.press("Enter")
    page.wait_for_selector(".wr-cockpit")
    incident = Incident.objects.get(title="Checkout returns 500 for every card payment")
    assert incident.severity.level == "P1"

    story.run("ack", f"Acknowledge {incident.reference}")
    page.wait_for_selector(".wr-entry-acknowledged")

    story.run("identified", "Mark identified")
    page.wait_for_selector(".wr-status-identified")

    # Publish: the palette opens the publish form and puts the cursor in its message; Ctrl-Enter sends it.
    story.palette("publish")
    assert story.active_option() == "Publish a status update"
    keyboard.press("Enter")
    assert story.focused_id() == "wr-update-body"
    keyboard.press("Control+a")
    keyboard.type("Card payments fail at checkout. We found the cause and are rolling back.")
    with page.expect_navigation():
        keyboard.press("Control+Enter")
    page.wait_for_selector("text=status update published")

    # Page the senior engineer through the cockpit's page-now form (id wr-page-now).
    story.palette("page someone", match=True)
    # The page-now form: who (a select that picks as you type a name), then the reason, Enter to page.
    assert story.active_option() == "Page someone now"
    keyboard.press("Enter")
    assert page.evaluate("document.activeElement.form && document.activeElement.form.id") == "wr-page-now"
    keyboard.type(senior.get_full_name())
    keyboard.press("Tab")
    keyboard.type("Card payments down; need the payments owner")
    with page.expect_navigation():
        keyboard.press("Enter")

    story.run("monitoring", "Start monitoring")
    page.wait_for_selector(".wr-status-monitoring")

    story.run("resolve", f"Resolve ({incident.reference})")
    page.wait_for_selector(".wr-status-resolved")

    story.settle()
    loads, clicks, keys = story.loads, story.counts["click"], story.counts["key"]
    print(f"P1 story: {loads} page loads, {clicks} clicks, {keys} key presses")

    # Every step happened, in the database.
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED
    assert incident.acknowledged_at is not None
    assert incident.acknowledged_by == commander
    assert incident.identified_at is not None
    assert incident.monitoring_at is not None
    assert incident.resolved_at is not None
    kinds = list(incident.timeline.order_by("at", "id").values_list("kind", flat=True))
    assert kinds[0] == TimelineKind.DECLARED
    assert TimelineKind.ACKNOWLEDGED in kinds
    assert TimelineKind.STATUS_UPDATE in kinds
    moves = list(incident.timeline.filter(kind=TimelineKind.STATUS).order_by("at", "id").values_list("text", flat=True))
    assert [move.split(" → ")[-1] for move in moves] == ["identified", "monitoring", "resolved"], moves
    update = StatusUpdate.objects.get(incident=incident)
    assert update.published
    assert update.body.startswith("Card payments fail at checkout.")
    assert update.author == commander
    assert incident.timeline.filter(kind="page", text__startswith=f"Paged {senior.get_full_name()}").exists()

    # Keyboard only, and no more page loads than the steps need: a regression that adds a page fails here.
    assert clicks == 0
    assert keys > 0
    assert loads <= MAX_PAGE_LOADS
