from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from incidents.paging import oncall
from incidents.paging.models import Rotation, RotationMember, RotationOverride
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def weekly(db):
    rotation = Rotation.objects.create(
        name="Berlin weekly",
        time_zone="Europe/Berlin",
        shift_length=timedelta(days=7),
        handoff_time=time(9, 0),
        start_date=date(2026, 3, 16),  # a Monday
    )
    users = [UserFactory.create(username=name) for name in ("ana", "ben", "cy")]
    for position, user in enumerate(users):
        RotationMember.objects.create(rotation=rotation, user=user, position=position)
    return rotation, users


def test_members_take_turns_at_the_local_handoff_time(weekly):
    rotation, (ana, ben, cy) = weekly
    # 09:00 Berlin = 08:00 UTC in March (CET)
    assert oncall.on_call_user(rotation, datetime(2026, 3, 16, 7, 59, tzinfo=UTC)) == cy  # before the start: wraps
    assert oncall.on_call_user(rotation, datetime(2026, 3, 16, 8, 0, tzinfo=UTC)) == ana
    assert oncall.on_call_user(rotation, datetime(2026, 3, 23, 8, 0, tzinfo=UTC)) == ben
    assert oncall.on_call_user(rotation, datetime(2026, 4, 6, 8, 0, tzinfo=UTC)) == ana  # after three weeks


def test_handoff_stays_at_local_time_across_daylight_saving(weekly):
    rotation, (_ana, ben, cy) = weekly
    # Summer time started on 29 March: the 09:00 hand-off of 30 March is 07:00 UTC.
    assert oncall.on_call_user(rotation, datetime(2026, 3, 30, 6, 59, tzinfo=UTC)) == ben
    assert oncall.on_call_user(rotation, datetime(2026, 3, 30, 7, 0, tzinfo=UTC)) == cy


def test_override_wins_and_next_follows_it(weekly):
    rotation, (ana, _ben, _cy) = weekly
    sub = UserFactory.create(username="sub")
    RotationOverride.objects.create(
        rotation=rotation,
        user=sub,
        starts_at=datetime(2026, 3, 17, 12, 0, tzinfo=UTC),
        ends_at=datetime(2026, 3, 18, 12, 0, tzinfo=UTC),
    )
    before = oncall.on_call_at(rotation, datetime(2026, 3, 17, 11, 0, tzinfo=UTC))
    assert before is not None
    assert before.user == ana
    assert before.ends_at == datetime(2026, 3, 17, 12, 0, tzinfo=UTC)
    during = oncall.on_call_at(rotation, datetime(2026, 3, 17, 13, 0, tzinfo=UTC))
    assert during is not None
    assert (during.user, during.is_override) == (sub, True)
    after = oncall.next_shift(rotation, datetime(2026, 3, 17, 13, 0, tzinfo=UTC))
    assert after is not None
    assert after.user == ana


def test_rotation_without_members_has_nobody(db):
    rotation = Rotation.objects.create(name="Empty")
    assert oncall.on_call_at(rotation) is None
    assert oncall.next_shift(rotation) is None
