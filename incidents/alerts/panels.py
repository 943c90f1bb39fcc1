"""The cockpit's Alerts panel: the monitoring alerts attached to the incident."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Max, OuterRef, Subquery
from django.http import HttpRequest

from incidents import cockpit
from incidents.alerts import selectors
from incidents.alerts.models import Alert
from incidents.models import Incident

MAX_SHOWN = 50


def alerts(request: HttpRequest, incident: Incident) -> dict[str, Any] | None:
    shown = list(selectors.alerts_of(incident)[: MAX_SHOWN + 1])
    if not shown:
        return None
    return {"alerts": shown[:MAX_SHOWN], "more": len(shown) > MAX_SHOWN}


def alerts_state() -> Subquery:
    """Changes when an alert of the incident arrives or changes (the live cockpit's refresh)."""
    rows = Alert.objects.filter(group__incident=OuterRef("pk"))
    return cockpit.aggregate_of(rows, "group__incident", Count("pk"), Max("updated_at"))


def register() -> None:
    cockpit.register_state_part("alerts.alerts", alerts_state)
    cockpit.register_panel(cockpit.Panel("alerts.alerts", "admin/alerts/panels/alerts.html", alerts, cockpit.SIDE, 30))
