"""Sent when a delivery has an outcome (sent, or failed for good), inside the transaction that records
it. Packages that keep a log of what was sent (the incident timeline) connect a receiver.

Observers (the metrics) also hear of a row queued for delivery and of a failed attempt that will be
retried; these are sent inside the writing transaction too."""

from __future__ import annotations

from django.dispatch import Signal

# kwargs: notification
notification_finished = Signal()
# kwargs: notification (a new row, queued for delivery)
notification_queued = Signal()
# kwargs: notification, attempts (an attempt failed; the row waits for its back-off)
notification_retried = Signal()
