"""Wiring at start-up: the heartbeat timer kind."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from incidents.alerts import services
from incidents.timers import engine as timers


def connect() -> None:
    timers.register_kind(
        services.HEARTBEAT_KIND, services.heartbeat_lost, label=gettext_lazy("Monitoring heartbeat lost")
    )
