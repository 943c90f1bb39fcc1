"""The Celery app. Beat runs the timer engine's tick (incidents/timers/tasks.py) and the outbox's
re-queue (incidents/outbox/tasks.py); workers run those and the deliveries."""

import logging.config
import os

from celery import Celery, signals

from incidents import logcontext

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("warroom")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# Log lines of a task name it and carry the request id (and incident) of the request that queued it.
@signals.before_task_publish.connect
def _carry_log_context(headers: dict | None = None, **kwargs: object) -> None:
    logcontext.add_to_task_headers(headers=headers)


signals.task_prerun.connect(logcontext.task_started, weak=False)
signals.task_postrun.connect(logcontext.task_finished, weak=False)


@signals.setup_logging.connect
def _configure_logging(**kwargs: object) -> None:
    """Django's LOGGING for the worker and beat too (LOG_FORMAT=json included), not Celery's own format."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@signals.worker_ready.connect
def _serve_worker_metrics(**kwargs: object) -> None:
    """With METRICS_WORKER_ADDRESS, the worker's main process serves its pool's metrics (incidents/metrics)."""
    from django.conf import settings

    if settings.METRICS_WORKER_ADDRESS:
        from incidents.metrics import exporter

        exporter.serve(settings.METRICS_WORKER_ADDRESS)
