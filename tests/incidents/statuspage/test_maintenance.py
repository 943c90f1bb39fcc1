"""Scheduled maintenance: deleting one with updates, a delete racing an edit, and the admin's refusals."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from incidents.statuspage import services
from incidents.statuspage.models import MaintenanceStatus, MaintenanceUpdate, ScheduledMaintenance
from tests.conftest import is_postgres


def a_maintenance(by, **extra):
    start = timezone.now() + timedelta(days=1)
    return services.maintenance_create(
        name="Database upgrade", scheduled_for=start, scheduled_until=start + timedelta(hours=2), by=by, **extra
    )


@pytest.mark.django_db
def test_deleting_a_maintenance_with_updates_removes_them(commander):
    maintenance = a_maintenance(commander)
    services.maintenance_update(maintenance, by=commander, status=MaintenanceStatus.IN_PROGRESS)
    assert MaintenanceUpdate.objects.filter(maintenance=maintenance).count() == 2
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=commander).key}")
    response = api.delete(f"/api/scheduled-maintenances/{maintenance.pk}/")
    assert response.status_code == 204
    assert not ScheduledMaintenance.objects.exists()
    assert not MaintenanceUpdate.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_delete_racing_an_edit_never_answers_500(commander):
    """Both requests lock the row: the loser finds the maintenance gone (404) or edits it before it goes."""
    if not is_postgres():
        pytest.skip("row locks need PostgreSQL")
    token = Token.objects.create(user=commander).key
    for _ in range(5):
        maintenance = a_maintenance(commander)
        statuses: list[int] = []

        def call(method: str, payload: dict | None = None, pk: int = maintenance.pk, statuses=statuses) -> None:
            api = APIClient()
            api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
            try:
                response = getattr(api, method)(f"/api/scheduled-maintenances/{pk}/", payload, format="json")
                statuses.append(response.status_code)
            finally:
                connection.close()

        threads = [
            threading.Thread(target=call, args=("patch", {"status": "in_progress", "body": "Started."})),
            threading.Thread(target=call, args=("delete",)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert all(status < 500 for status in statuses), statuses
        assert 204 in statuses
        assert not ScheduledMaintenance.objects.filter(pk=maintenance.pk).exists()
        assert not MaintenanceUpdate.objects.filter(maintenance_id=maintenance.pk).exists()


@pytest.mark.django_db
def test_editing_a_completed_maintenance_in_the_admin_is_a_message(commander_client, commander):
    maintenance = a_maintenance(commander, status=MaintenanceStatus.COMPLETED)
    url = reverse("admin:statuspage_scheduledmaintenance_change", args=[maintenance.pk])
    response = commander_client.post(
        url,
        {
            "name": maintenance.name,
            "status": MaintenanceStatus.IN_PROGRESS,
            "impact": maintenance.impact,
            "scheduled_for_0": maintenance.scheduled_for.strftime("%Y-%m-%d"),
            "scheduled_for_1": maintenance.scheduled_for.strftime("%H:%M:%S"),
            "scheduled_until_0": maintenance.scheduled_until.strftime("%Y-%m-%d"),
            "scheduled_until_1": maintenance.scheduled_until.strftime("%H:%M:%S"),
            "body": "",
            "updates-TOTAL_FORMS": "0",
            "updates-INITIAL_FORMS": "0",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "completed; its status is final" in response.content.decode()
    maintenance.refresh_from_db()
    assert maintenance.status == MaintenanceStatus.COMPLETED
