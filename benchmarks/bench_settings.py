"""Production settings for the load benchmark (benchmarks/status_load.py), with quiet logging."""

from config.settings.production import *  # noqa: F403

LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
