"""gunicorn's configuration: `gunicorn --config config/gunicorn.py config.wsgi` (the systemd unit and
`make serve` run it so). Every value can be overridden on the command line or with GUNICORN_CMD_ARGS."""

import os

# WEB_BIND wins (e.g. 0.0.0.0:8000 on a web host behind the proxy); else PORT on loopback.
bind = [os.environ.get("WEB_BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"]
# Synchronous workers: each serves one request at a time. Two per core is a fair start.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = timeout
# Restart workers now and then, staggered, so a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
# The settings module must be the production one however gunicorn was started.
raw_env = [f"DJANGO_SETTINGS_MODULE={os.environ.get('DJANGO_SETTINGS_MODULE', 'config.settings.production')}"]

# Server hooks (gunicorn calls these by name) go below this line.
