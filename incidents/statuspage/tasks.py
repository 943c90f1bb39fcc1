"""Thin Celery task of the status page: record the components' public statuses for the uptime history.
Writes record them as they commit; this periodic pass gives a quiet page its first row and makes good
any record a failed commit hook missed."""

from __future__ import annotations

from celery import shared_task

from incidents.statuspage import uptime


@shared_task(name="statuspage.record_statuses", ignore_result=True)
def record_public_statuses() -> int:
    return uptime.public_statuses_record()
