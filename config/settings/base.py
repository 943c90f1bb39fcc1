"""Settings shared by every environment. Values come from the environment (django-environ)."""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange, Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "csp",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    # Named fragments of a template ({% partialdef %}): the live cockpit re-renders its regions from them.
    "template_partials",
    # The incident core first, then the packages that react to it (see README, Architecture).
    "incidents",
    "incidents.timers",
    "incidents.outbox",
    "incidents.paging",
    "incidents.statuspage",
    "incidents.library",
    "incidents.alerts",
    "incidents.metrics",
    "incidents.tokens",
    "postmortems",
    # The project itself: the demo data that spans every package (`manage.py seed_demo`).
    "config",
]

MIDDLEWARE = [
    "incidents.logcontext.RequestIdMiddleware",
    "incidents.metrics.middleware.HttpMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.RefuseNulCharactersMiddleware",
    "incidents.statuspage.hosts.StatusHostMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The browser's language (Accept-Language); a user's own choice and the status page's switcher follow.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "incidents.timezones.UserTimeZoneMiddleware",
    "incidents.languages.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.PermissionsPolicyMiddleware",
    # Last: answers a locked-out login with the lockout page (axes' own rule).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


# Nothing is created at import time: `make setup` makes var/ and its folders (see the Makefile).
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'warroom.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so two
    # concurrent transactions queue instead of failing with "database is locked" mid-way.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The languages Warroom speaks. Each admin user picks theirs in My preferences (blank: the browser's); the
# status page follows Accept-Language or its switcher. Each name is written in its own language.
LANGUAGES = [("en", "English"), ("it", "Italiano")]
# The site's language (WARROOM_LANGUAGE): the runbook defaults are seeded in it, and it is used where no
# one's language is known (a browser asking for none of LANGUAGES, emails to addresses without one).
LANGUAGE_CODE = env("WARROOM_LANGUAGE", default="en")
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(f"WARROOM_LANGUAGE={LANGUAGE_CODE!r}: choose one of {', '.join(dict(LANGUAGES))}.")
# Catalogues: locale/<language>/LC_MESSAGES/django.po (and djangojs.po), compiled by `make` at install.
LOCALE_PATHS = [BASE_DIR / "locale"]
# Stored times are UTC; each admin user sees them in their own zone (My preferences), this one by default.
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "static"))
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Post-mortem attachments (postmortems/attachments.py): HTML, SVG and executables are refused whatever this says.
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
ATTACHMENT_ALLOWED_EXTENSIONS = env.list(
    "ATTACHMENT_ALLOWED_EXTENSIONS", default=["png", "jpg", "jpeg", "gif", "webp", "pdf", "txt", "log", "csv", "json"]
)

LOGIN_URL = "admin:login"

# Login brute-force protection (django-axes): a username tried from one address is locked after
# AXES_FAILURE_LIMIT failures for AXES_COOLOFF_MINUTES (0: until unlocked in the admin or with
# `manage.py axes_reset_ip_username`). Per user and address together, so a guesser cannot lock a
# colleague out from elsewhere. API tokens never pass through the login form and are not counted.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, loading the user's preferences (time zone) with the user.
    "incidents.timezones.PreferenceModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
_axes_cooloff_minutes = env.float("AXES_COOLOFF_MINUTES", default=30.0)
AXES_COOLOFF_TIME = timedelta(minutes=_axes_cooloff_minutes) if _axes_cooloff_minutes > 0 else None
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/lockout.html"
# The address behind PUBLIC_API_TRUSTED_PROXIES proxies, as the status page's throttle sees it.
AXES_CLIENT_IP_CALLABLE = "config.security.login_client_address"
AXES_HTTP_RESPONSE_CODE = 429

# Sessions: SameSite=Lax everywhere, Secure in production (production.py); the age is configurable.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"

# Content-Security-Policy (django-csp 4): scripts and styles from this origin only, nothing inline,
# on every page. Pages that need more name it on the view (the API docs, see incidents/api/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
    },
}
# Browser features no Warroom page uses (config/middleware.py sends them as Permissions-Policy).
PERMISSIONS_POLICY_DENIED = (
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "usb",
)

# Redis serves as broker and cache when REDIS_URL is set; otherwise kombu's filesystem transport
# and a local-memory cache keep `make run` free of servers.
REDIS_URL = env("REDIS_URL", default="")
BROKER_DIR = VAR_DIR / "broker"

if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "warroom",
            # An unreachable Redis answers within a second: the status page then does without it.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {"visibility_timeout": 3600}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),  # worker remote-control messages, not ./control
        "store_processed": False,
        # An idle worker looks for new files this often (kombu's default, 1 s, is a whole tick late).
        "polling_interval": 0.1,
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "warroom",
        }
    }

CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TIMEZONE = "UTC"

# Queues: the tick has its own, so that it never waits behind deliveries (a busy outbox once let most
# ticks expire). The Procfile's `clock` worker consumes only `timers`; a worker started without `-Q`
# consumes both, so an installation without the clock worker still ticks.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES: tuple[Queue, ...] = (
    Queue("celery", Exchange("celery"), routing_key="celery"),
    Queue("timers", Exchange("celery"), routing_key="timers"),
)
CELERY_TASK_ROUTES = {"timers.tick": {"queue": "timers"}}

# The timer engine's beat interval (seconds).
TIMER_TICK_SECONDS = env.float("TIMER_TICK_SECONDS", default=15.0)
# The cockpit and the board poll for changes this often (an unchanged poll answers 304).
LIVE_POLL_SECONDS = env.float("LIVE_POLL_SECONDS", default=4.0)
# Polls share an incident's fingerprint and a viewer's rights for this long (through the cache); 0: read every poll.
LIVE_STATE_CACHE_SECONDS = env.float("LIVE_STATE_CACHE_SECONDS", default=1.0)
# Exactly one beat process sends this; a tick not started within one interval is dropped, not piled up.
# The outbox's re-queue runs at the same pace: a lost delivery task is sent again after its lease.
CELERY_BEAT_SCHEDULE = {
    "timer-tick": {
        "task": "timers.tick",
        "schedule": TIMER_TICK_SECONDS,
        "options": {"expires": TIMER_TICK_SECONDS},
    },
    "outbox-requeue": {
        "task": "outbox.requeue",
        "schedule": TIMER_TICK_SECONDS,
        "options": {"expires": TIMER_TICK_SECONDS},
    },
    # The uptime history's safety net; writes record status changes as they commit.
    "status-uptime-record": {
        "task": "statuspage.record_statuses",
        "schedule": 300.0,
        "options": {"expires": 300.0},
    },
    # Subscribers of an update whose fan-out task was lost (broker down at publish time) are told late.
    "status-subscribers-sweep": {
        "task": "statuspage.tell_untold_updates",
        "schedule": 60.0,
        "options": {"expires": 60.0},
    },
    "status-subscribers-purge-unconfirmed": {
        "task": "statuspage.purge_unconfirmed",
        "schedule": 3600.0,
        "options": {"expires": 3600.0},
    },
    "alerts-purge-payloads": {
        "task": "alerts.purge_payloads",
        "schedule": 3600.0,
        "options": {"expires": 3600.0},
    },
}
# How long received monitoring payloads (the alert audit) are kept.
ALERT_PAYLOAD_RETENTION_DAYS = env.int("ALERT_PAYLOAD_RETENTION_DAYS", default=30)
# Notification delivery: attempts before `failed`, first retry delay (doubling), and how long a queued
# or in-flight delivery may take before the tick queues it again.
NOTIFY_MAX_ATTEMPTS = env.int("NOTIFY_MAX_ATTEMPTS", default=5)
NOTIFY_RETRY_BASE_SECONDS = env.float("NOTIFY_RETRY_BASE_SECONDS", default=30.0)
NOTIFY_LEASE_SECONDS = env.float("NOTIFY_LEASE_SECONDS", default=60.0)

# Webhooks (status page subscribers): https only, and never to private, loopback or link-local addresses.
WEBHOOK_HTTPS_ONLY = env.bool("WEBHOOK_HTTPS_ONLY", default=True)
WEBHOOK_ALLOW_PRIVATE_NETWORKS = env.bool("WEBHOOK_ALLOW_PRIVATE_NETWORKS", default=False)

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="warroom@localhost")

# Public status page.
STATUS_PAGE_NAME = env("STATUS_PAGE_NAME", default="Warroom")
# The zone the public status page shows its times in (visitors with JavaScript see their own).
STATUS_PAGE_TIME_ZONE = env("STATUS_PAGE_TIME_ZONE", default=TIME_ZONE)
# Hosts serving only the public status page, at their root (e.g. status.example.com); comma-separated.
STATUS_PAGE_HOSTS = [host.lower() for host in env.list("STATUS_PAGE_HOST", default=[])]
STATUS_PAGE_URL = env(
    "STATUS_PAGE_URL",
    default=f"https://{STATUS_PAGE_HOSTS[0]}/" if STATUS_PAGE_HOSTS else "http://127.0.0.1:8000/status/",
)
ALLOWED_HOSTS += [host for host in STATUS_PAGE_HOSTS if host not in ALLOWED_HOSTS]
# Seconds the public status responses are cached server-side (dropped when anything is published).
STATUS_CACHE_SECONDS = env.int("STATUS_CACHE_SECONDS", default=10)
# Seconds between a process's reads of the shared status cache version and rate-limit counts: how late
# another process may show a publish, and the window in which a client may pass its limit; 0: every request.
STATUS_SYNC_SECONDS = env.float("STATUS_SYNC_SECONDS", default=1.0)
# Subscribers: hours a confirmation link is valid; days a webhook may fail in a row before it is disabled;
# subscribe requests per client address.
SUBSCRIBER_CONFIRM_HOURS = env.float("SUBSCRIBER_CONFIRM_HOURS", default=48.0)
SUBSCRIBER_WEBHOOK_DISABLE_DAYS = env.float("SUBSCRIBER_WEBHOOK_DISABLE_DAYS", default=3.0)
SUBSCRIBE_THROTTLE_RATE = env("SUBSCRIBE_THROTTLE_RATE", default="10/hour")
# Per-client limit on the public status pages and JSON, e.g. 600/minute; empty disables it.
PUBLIC_API_THROTTLE_RATE = env("PUBLIC_API_THROTTLE_RATE", default="600/minute")
# Reverse proxies in front of Warroom whose X-Forwarded-For is trusted for the client address.
PUBLIC_API_TRUSTED_PROXIES = env.int("PUBLIC_API_TRUSTED_PROXIES", default=0)
# Public base URL of this Warroom (links in notifications).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # DRF's `Token <key>`, refusing expired tokens and recording their last use.
        "incidents.tokens.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Reads need the view permission too: a login without a role sees nothing.
    "DEFAULT_PERMISSION_CLASSES": ["incidents.api.permissions.ModelPermissions"],
    "DEFAULT_PARSER_CLASSES": [
        "incidents.api.parsers.JSONWithoutNulParser",
        "incidents.api.parsers.FormWithoutNulParser",
        "incidents.api.parsers.MultiPartWithoutNulParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "incidents.api.exceptions.exception_handler",
}

# /api/schema/ and /api/docs/ need a login unless this is true (local settings open them).
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=False)
SPECTACULAR_SETTINGS = {
    "TITLE": "Warroom API",
    "DESCRIPTION": "Private API of Warroom, the incident tracker.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["incidents.api.permissions.ApiDocsAccess"],
    # The docs UI is served from this Warroom, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "IncidentStatusEnum": "incidents.models.IncidentStatus",
        "ComponentStatusEnum": "incidents.models.ComponentStatus",
        "PublicIncidentStatusEnum": "incidents.statuspage.models.PublicIncidentStatus",
        "MaintenanceStatusEnum": "incidents.statuspage.models.MaintenanceStatus",
        "MaintenanceImpactEnum": "incidents.statuspage.models.MaintenanceImpact",
        "PostMortemStatusEnum": "postmortems.models.PostMortemStatus",
        "ActionItemStatusEnum": "postmortems.models.ActionStatus",
        "ActionItemPriorityEnum": "postmortems.models.ActionPriority",
        "IntegrationKindEnum": "incidents.alerts.models.IntegrationKind",
    },
}

# `text` (default) or `json`: one JSON object per line with level, logger, message, request_id, user, incident
# and task (incidents/logcontext.py fills them in).
LOG_FORMAT = env("LOG_FORMAT", default="text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "incidents.logcontext.ContextFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(user)s %(incident)s %(task)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# /metrics (incidents/metrics/views.py): a bearer token, or served without one only when METRICS_PUBLIC is
# true (a listener the network already confines); neither: 404.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_PUBLIC = env.bool("METRICS_PUBLIC", default=False)
# host:port where each Celery worker serves its pool's metrics (workers on other hosts than the web).
METRICS_WORKER_ADDRESS = env("METRICS_WORKER_ADDRESS", default="")

# Post-incident review clocks.
POSTMORTEM_REMINDER_HOURS = env.float("POSTMORTEM_REMINDER_HOURS", default=4.0)
ACTION_ITEM_REMINDER_DAYS = env.int("ACTION_ITEM_REMINDER_DAYS", default=2)
ACTION_ITEM_NOTICE_HOUR = env.int("ACTION_ITEM_NOTICE_HOUR", default=9)
ACTION_ITEM_DIGEST_WEEKDAY = env.int("ACTION_ITEM_DIGEST_WEEKDAY", default=0)  # Monday
ACTION_ITEM_DIGEST_HOUR = env.int("ACTION_ITEM_DIGEST_HOUR", default=8)
