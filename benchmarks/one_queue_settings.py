"""Test settings with a single Celery queue, as before the tick had its own: the `before` layout of
benchmarks/timer_lateness.py (the tick then waits behind every queued delivery)."""

from kombu import Exchange, Queue

from config.settings.test import *  # noqa: F403

CELERY_TASK_QUEUES = (Queue("celery", Exchange("celery"), routing_key="celery"),)
CELERY_TASK_ROUTES = {}
