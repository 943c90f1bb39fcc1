"""Uptime history: the public status of each component, recorded as it changes, into daily bars and
percentages by Statuspage's rule (major outage in full, partial at 30%, the rest not at all)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache

from incidents import services
from incidents.models import ComponentStatus
from incidents.statuspage import services as status_services
from incidents.statuspage import uptime
from incidents.statuspage.http import drop_status_cache
from incidents.statuspage.models import ComponentStatusChange
from incidents.statuspage.tasks import record_public_statuses
from tests.factories import ComponentFactory, IncidentFactory

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 10)


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def history(component, *steps: tuple[datetime, str]) -> None:
    ComponentStatusChange.objects.bulk_create(
        ComponentStatusChange(component=component, at=moment, status=status) for moment, status in steps
    )


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def one_day(component, now: datetime) -> uptime.DayUptime:
    return uptime.component_uptime([component], DAY, DAY, now)[0].days[0]


def test_a_major_outage_counts_in_full_and_a_partial_one_at_30_percent(severities):
    api = ComponentFactory.create(name="API")
    history(
        api,
        (at(0), ComponentStatus.OPERATIONAL),
        (at(10), ComponentStatus.MAJOR_OUTAGE),  # 60 minutes
        (at(11), ComponentStatus.PARTIAL_OUTAGE),  # 100 minutes -> 30 weighted
        (at(12, 40), ComponentStatus.DEGRADED_PERFORMANCE),  # 60 minutes, not counted
        (at(13, 40), ComponentStatus.UNDER_MAINTENANCE),  # 20 minutes, not counted
        (at(14), ComponentStatus.OPERATIONAL),
    )
    day = one_day(api, now=at(0, day=DAY + timedelta(days=1)))
    assert day.covered == 1440
    assert (day.major, day.partial) == (60, 100)
    assert day.downtime == pytest.approx(90)
    assert day.percent == pytest.approx((1440 - 90) / 1440 * 100)
    assert uptime.format_percent(day.percent) == "93.75%"
    assert day.level == "partial"
    assert day.text == "10 Nov 2026: 1 h 0 min of major outage, 1 h 40 min of partial outage (93.75% uptime)"


@pytest.mark.parametrize(
    ("minutes", "status", "level"),
    [
        (0, ComponentStatus.MAJOR_OUTAGE, "operational"),
        (30, ComponentStatus.MAJOR_OUTAGE, "minor"),
        (100, ComponentStatus.PARTIAL_OUTAGE, "minor"),  # 30 weighted minutes
        (31, ComponentStatus.MAJOR_OUTAGE, "partial"),
        (240, ComponentStatus.MAJOR_OUTAGE, "partial"),
        (241, ComponentStatus.MAJOR_OUTAGE, "major"),
        (600, ComponentStatus.DEGRADED_PERFORMANCE, "operational"),
    ],
)
def test_the_colour_of_a_day_follows_its_weighted_downtime(severities, minutes, status, level):
    api = ComponentFactory.create(name="API")
    history(
        api, (at(0), ComponentStatus.OPERATIONAL), (at(1), status), (at(1) + timedelta(minutes=minutes), "operational")
    )
    assert one_day(api, now=at(23, 59)).level == level


def test_days_before_the_first_record_are_no_data_and_do_not_count(severities):
    api = ComponentFactory.create(name="API")
    history(api, (at(12), ComponentStatus.OPERATIONAL), (at(18), ComponentStatus.MAJOR_OUTAGE))
    days = uptime.component_uptime([api], DAY - timedelta(days=1), DAY, at(20))[0]
    before, today = days.days
    assert before.level == "nodata"
    assert before.percent is None
    assert before.text == "9 Nov 2026: no data"
    assert today.covered == 8 * 60  # 12:00 to now (20:00), nothing backfilled before 12:00
    assert today.major == 120
    assert days.percent == pytest.approx(75.0)


def test_an_outage_spanning_midnight_is_split_between_the_days(severities):
    api = ComponentFactory.create(name="API")
    history(
        api,
        (at(0), ComponentStatus.OPERATIONAL),
        (at(23), ComponentStatus.MAJOR_OUTAGE),
        (at(2, day=DAY + timedelta(days=1)), ComponentStatus.OPERATIONAL),
    )
    first, second = uptime.component_uptime([api], DAY, DAY + timedelta(days=1), at(23, 59, DAY + timedelta(days=1)))[
        0
    ].days
    assert (first.major, second.major) == (60, 120)


def test_the_status_before_the_period_carries_into_it(severities):
    api = ComponentFactory.create(name="API")
    history(api, (at(0, day=DAY - timedelta(days=30)), ComponentStatus.PARTIAL_OUTAGE))
    day = one_day(api, now=at(12))
    assert (day.covered, day.partial) == (720, 720)


def test_a_short_outage_is_never_rounded_up_to_100_percent(severities):
    api = ComponentFactory.create(name="API")
    history(
        api, (at(0, day=DAY - timedelta(days=89)), "operational"), (at(10), "major_outage"), (at(10, 1), "operational")
    )
    with time_machine.travel(at(23, 59), tick=False):
        shown = uptime.showcase([api])[api.pk]
    assert len(shown.days) == 90
    assert shown.percent_text == "99.99%"


@pytest.mark.django_db(transaction=True)  # real commits: the recording runs after each one
def test_the_public_status_is_recorded_as_it_changes(commander, severities):
    with time_machine.travel(at(8), tick=False):
        api = ComponentFactory.create(name="API")
    with time_machine.travel(at(9), tick=False):
        record_public_statuses()  # the periodic pass: nothing changed since the component was created
    with time_machine.travel(at(10), tick=False):
        incident = IncidentFactory.create(by=commander, level="P1", public=True, components=[api])
    with time_machine.travel(at(10, 30), tick=False):
        services.incident_acknowledge(incident, by=commander)  # nothing the public sees changes
    with time_machine.travel(at(11), tick=False):
        services.incident_resolve(incident, by=commander)
    rows = list(ComponentStatusChange.objects.filter(component=api).values_list("at", "status"))
    assert rows == [
        (at(8), ComponentStatus.OPERATIONAL),  # recorded when the component was created
        (at(10), ComponentStatus.MAJOR_OUTAGE),  # raised by the P1's critical public impact
        (at(11), ComponentStatus.OPERATIONAL),
    ]
    assert one_day(api, now=at(12)).major == 60


@pytest.mark.django_db(transaction=True)
def test_a_private_incident_records_nothing(commander, severities):
    api = ComponentFactory.create(name="API")
    IncidentFactory.create(by=commander, level="P1", public=False, components=[api])
    record_public_statuses()
    assert list(ComponentStatusChange.objects.values_list("status", flat=True)) == [ComponentStatus.OPERATIONAL]


@pytest.mark.django_db(transaction=True)
def test_one_look_per_transaction(commander, severities, monkeypatch):
    api = ComponentFactory.create(name="API")
    incident = IncidentFactory.create(by=commander, level="P2", public=True, components=[api])
    looks = []
    real = uptime.public_statuses_record

    def counted() -> list:
        looks.append(1)
        return real()

    monkeypatch.setattr(uptime, "public_statuses_record", counted)
    # One publish saves the update, its component rows, the component and the incident.
    status_services.status_update_publish(
        incident, status="identified", body="Found it.", by=commander, component_statuses={api: "major_outage"}
    )
    assert len(looks) == 1


def test_the_page_shows_90_bars_with_their_meaning_in_words(client, severities):
    api = ComponentFactory.create(name="API")
    ComponentFactory.create(name="Internal", uptime_enabled=False)
    history(api, (at(0, day=DAY - timedelta(days=2)), "operational"), (at(10), "major_outage"), (at(11), "operational"))
    with time_machine.travel(at(12), tick=False):
        page = client.get("/status/").content.decode()
    assert page.count('class="bar level-') == 90
    assert page.count('class="bar level-nodata"') == 87
    assert '<li class="bar level-partial" title="10 Nov 2026: 1 h 0 min of major outage (' in page
    assert re.search(r"\d+\.\d\d% uptime", page)
    assert "Internal: uptime per day" not in page


def test_the_uptime_page_shows_each_month(client, severities):
    api = ComponentFactory.create(name="API")
    history(api, (at(0, day=date(2026, 9, 1)), "operational"), (at(10), "partial_outage"), (at(20), "operational"))
    with time_machine.travel(at(12, day=date(2026, 11, 20)), tick=False):
        response = client.get("/status/uptime/")
    assert response.status_code == 200
    page = response.content.decode()
    assert [m for m in ("November 2026", "October 2026", "September 2026") if m in page] == [
        "November 2026",
        "October 2026",
        "September 2026",
    ]
    assert page.count('class="bar level-') == 30 + 31 + 30
    # November: 600 partial minutes of the 19.5 days so far -> 180 weighted minutes.
    assert f"{(28080 - 180) / 28080 * 100:.2f}%" in page


def test_uptime_reads_take_a_fixed_number_of_queries(client, severities, django_assert_max_num_queries):
    for n in range(30):
        component = ComponentFactory.create(name=f"C{n}")
        history(
            component,
            (at(0, day=DAY - timedelta(days=89)), "operational"),
            (at(10), "major_outage"),
            (at(11), "operational"),
        )
    with time_machine.travel(at(12), tick=False), django_assert_max_num_queries(12):
        assert client.get("/status/").status_code == 200
    drop_status_cache()
    with time_machine.travel(at(12), tick=False), django_assert_max_num_queries(16):
        assert client.get("/status/uptime/").status_code == 200
