"""The only way anything leaves Warroom: Notification rows, delivered by Celery tasks with retries.

Write with ``incidents.outbox.services.enqueue()``; this package imports no incident code.
"""
