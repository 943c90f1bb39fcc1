"""Settings for the test suite."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-only-secret-key"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Unit tests run tasks in-process; the integration tests start real workers with their own settings.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
# The schema-driven API tests load /api/schema/ before any user exists; the login is tested with it off.
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests deliver webhooks to a receiver on 127.0.0.1; the refusals are tested with these turned back on.
WEBHOOK_HTTPS_ONLY = False
WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
# Tests look at the cockpit right after a change; the shared fingerprint is tested on its own.
LIVE_STATE_CACHE_SECONDS = 0
