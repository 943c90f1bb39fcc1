"""Sent when a delivery has an outcome (sent, or failed for good), inside the transaction that records
it. Packages that keep a log of what was sent (the incident timeline) connect a receiver."""

from __future__ import annotations

from django.dispatch import Signal

# kwargs: notification
notification_finished = Signal()
