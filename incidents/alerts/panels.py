"""The cockpit's Alerts panel: the monitoring alerts attached to the incident."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from incidents import cockpit
from incidents.alerts import selectors
from incidents.models import Incident

MAX_SHOWN = 50


def alerts(request: HttpRequest, incident: Incident) -> dict[str, Any] | None:
    shown = list(selectors.alerts_of(incident)[: MAX_SHOWN + 1])
    if not shown:
        return None
    return {"alerts": shown[:MAX_SHOWN], "more": len(shown) > MAX_SHOWN}


def register() -> None:
    cockpit.register_panel(cockpit.Panel("alerts.alerts", "admin/alerts/panels/alerts.html", alerts, cockpit.SIDE, 30))
