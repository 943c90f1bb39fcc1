"""Thin Celery tasks of the alert intake."""

from __future__ import annotations

from celery import shared_task

from incidents.alerts import services


@shared_task(name="alerts.purge_payloads", ignore_result=True)
def purge_payloads() -> int:
    return services.purge_payloads()
