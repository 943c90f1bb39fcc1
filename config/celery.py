"""The Celery app. Beat runs the timer engine's tick (incidents/timers/tasks.py) and the outbox's
re-queue (incidents/outbox/tasks.py); workers run those and the deliveries."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("warroom")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
