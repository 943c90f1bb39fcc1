"""DELETEs racing PATCHes of one scheduled maintenance (real PostgreSQL, real threads): both lock the row,
so each request either acts on the maintenance or finds it gone (404); never a 500, never an update left
behind by a maintenance that was deleted."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from threading import Barrier

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from incidents.statuspage import services
from incidents.statuspage.models import MaintenanceUpdate, ScheduledMaintenance
from tests.conftest import is_postgres, need_service

ROUNDS = 8
PER_ROUND = 5  # DELETEs, and as many PATCHes, at once: 40 DELETEs in all


@pytest.mark.django_db(transaction=True)
def test_forty_deletes_racing_patches_answer_204_or_404_never_500(commander):
    need_service(is_postgres(), "row locks are checked on PostgreSQL (set DATABASE_URL)")
    token = Token.objects.create(user=commander).key
    start = timezone.now() + timedelta(days=1)
    deletes: list[int] = []
    patches: list[int] = []
    for round_number in range(ROUNDS):
        maintenance = services.maintenance_create(
            name=f"Upgrade {round_number}",
            scheduled_for=start,
            scheduled_until=start + timedelta(hours=1),
            by=commander,
        )
        url = f"/api/scheduled-maintenances/{maintenance.pk}/"
        barrier = Barrier(2 * PER_ROUND)

        def call(method: str, url: str = url, barrier: Barrier = barrier) -> tuple[str, int]:
            api = APIClient()
            api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
            try:
                barrier.wait(timeout=20)
                if method == "delete":
                    return method, api.delete(url).status_code
                body = {"status": "in_progress", "body": "Started.", "name": "Upgrade (moved)"}
                return method, api.patch(url, body, format="json").status_code
            finally:
                connection.close()

        with ThreadPoolExecutor(max_workers=2 * PER_ROUND) as pool:
            answers = list(pool.map(call, ["delete", "patch"] * PER_ROUND))
        round_deletes = [status for method, status in answers if method == "delete"]
        deletes += round_deletes
        patches += [status for method, status in answers if method == "patch"]
        assert round_deletes.count(204) == 1, answers
        assert not ScheduledMaintenance.objects.filter(pk=maintenance.pk).exists()
        assert not MaintenanceUpdate.objects.filter(maintenance_id=maintenance.pk).exists()
    assert len(deletes) == 40
    assert set(deletes) <= {204, 404}, deletes
    assert set(patches) <= {200, 404}, patches
