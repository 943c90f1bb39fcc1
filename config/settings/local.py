"""Development settings: `make run` on a laptop."""

from .base import *  # noqa: F403
from .base import SECRET_KEY, env

DEBUG = env.bool("DEBUG", default=True)
# A development key is fine here; production.py refuses to start without SECRET_KEY.
SECRET_KEY = SECRET_KEY or "django-insecure-warroom-local-development-key"
# The API's schema and docs are open on a laptop (the server binds 127.0.0.1); production needs a login.
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=True)

# Webhooks to a receiver on this machine are fine while developing.
WEBHOOK_HTTPS_ONLY = env.bool("WEBHOOK_HTTPS_ONLY", default=False)
WEBHOOK_ALLOW_PRIVATE_NETWORKS = env.bool("WEBHOOK_ALLOW_PRIVATE_NETWORKS", default=True)
