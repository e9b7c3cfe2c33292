"""Casebook settings: one file, every deployment difference read from the environment.

With nothing set, Casebook runs on SQLite in the project folder with Celery tasks executed
in-process. DATABASE_URL=postgres://... and CELERY_BROKER_URL=redis://... switch to the
real services. Every variable is listed in .env.example.
"""

import datetime
import os
from pathlib import Path

from celery.schedules import crontab

from config.env import (
    ConfigurationError,
    broker_url,
    database_config,
    env_bool,
    env_int,
    env_list,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", False)

# A development secret is offered only with debug on, so a production start-up that forgot
# DJANGO_SECRET_KEY fails loudly instead of signing sessions with a published key.
_DEV_SECRET = "dev-only-insecure-secret-key-casebook"  # noqa: S105
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "") or (_DEV_SECRET if DEBUG else "")
if not SECRET_KEY:
    raise ConfigurationError(
        "DJANGO_SECRET_KEY", "is not set (it is required when DJANGO_DEBUG is off)."
    )

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# Demo mode creates the demo centre and its well-known passwords; never on in production.
CASEBOOK_DEMO = env_bool("CASEBOOK_DEMO", DEBUG)
DEMO_PASSWORD = "casebook-demo"  # noqa: S105 - printed by `make run`, refused outside demo mode

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "simple_history",
    "axes",
    "csp",
    "accounts",
    "complaints",
    "portfolio",
    "analytics",
    "config",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.AuditDeniedMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # A request that finds the database gone gets a 503 page saying so, not a 500.
    "config.middleware.DatabaseUnavailableMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # Compressed, cache-busted static files straight from gunicorn; in debug mode runserver
    # serves them from static/ as they are edited.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "accounts.context_processors.roles",
                "accounts.context_processors.notifications",
            ],
        },
    },
]

DATABASES = {"default": database_config("DATABASE_URL", str(BASE_DIR / "db.sqlite3"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# django-axes counts failed logins first and refuses a locked-out username and address pair.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling: after this many failed attempts for one username from one address, that
# pair is refused for the cool-off (a guesser is slowed; the user, elsewhere, is not locked
# out by someone else's guesses). A success resets the count.
AXES_FAILURE_LIMIT = env_int("CASEBOOK_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("CASEBOOK_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.login_locked_out"
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_AGE_SECONDS", 8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-free template tag instead

# Transport security: on by default whenever debug is off; each can be turned off for a
# deployment that terminates TLS elsewhere and says so.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # container health checks speak plain http inside
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
# Joining browsers' HSTS preload list is the deploying organisation's decision (it is slow to
# undo and binds every subdomain): off unless DJANGO_HSTS_PRELOAD says so, and then
# `check --deploy` need not ask for it.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content Security Policy (django-csp): every script, style, font and image from Casebook's own
# static files, no inline scripts or styles anywhere (templates carry none; htmx is told not
# to add its own), nothing framed, forms posted only back to Casebook. An attachment download
# sets its own stricter policy (sandboxed), which this one does not replace.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if env_bool("DJANGO_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The client's address for login throttling is the one the proxy adds, not the proxy's.
    AXES_IPWARE_PROXY_COUNT = 1
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Private files (evidence attachments) live outside STATIC_ROOT and any web-served root;
# they are read only through permission-checking views.
PRIVATE_STORAGE_ROOT = Path(
    os.environ.get("CASEBOOK_PRIVATE_STORAGE", str(BASE_DIR / "var" / "private"))
)

# Importing a company system's export into a problem log (complaints/importing). Larger files
# are refused before anything is stored; files with more rows than the background threshold
# are checked and imported by a Celery job with a progress bar instead of within the request.
CASEBOOK_IMPORT_MAX_BYTES = env_int("CASEBOOK_IMPORT_MAX_BYTES", 250 * 1024 * 1024)
CASEBOOK_IMPORT_BACKGROUND_ROWS = env_int("CASEBOOK_IMPORT_BACKGROUND_ROWS", 5000)

# Evidence attachments: the largest file a learner may attach (checked on the bytes received,
# not the size the browser claims). Witness testimony: days a witness's link stays valid.
CASEBOOK_ATTACHMENT_MAX_BYTES = env_int("CASEBOOK_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
CASEBOOK_WITNESS_LINK_DAYS = env_int("CASEBOOK_WITNESS_LINK_DAYS", 14)

# The cache: Redis when CASEBOOK_CACHE_URL names one (production: the API's rate counts must
# be shared by every worker process), else each process's own memory (development, tests).
_CACHE_URL = broker_url("CASEBOOK_CACHE_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _CACHE_URL}
        if _CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# The API (/api/v1/, docs/api.md): a centre's token or a browser session; JSON only (the
# browsable page is Swagger UI at /api/v1/docs/); each token (or person) may make this many
# requests per second, minute, hour or day, then gets 429 with Retry-After.
CASEBOOK_API_RATE = os.environ.get("CASEBOOK_API_RATE", "600/minute")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.api.ApiAccess"],
    "DEFAULT_THROTTLE_CLASSES": ["accounts.api.ApiRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Casebook API",
    "DESCRIPTION": "Problems in, signals out: a company system logs customer problems in a "
    "centre's log and reads the analysis back. See docs/api.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ProblemStatusEnum": "complaints.models.Status",
        "ProblemCategoryEnum": "complaints.models.Category",
        "LoggableCategoryEnum": "complaints.api.serializers.LOGGABLE_CATEGORIES",
        "RunStatusEnum": "analytics.models.AnalysisRun.Status",
        "CandidateStatusEnum": "analytics.models.RecurringCandidate.Status",
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "Casebook <casebook@localhost>")

# The address people reach Casebook at, for links in e-mails sent outside a request (the
# notifications); pages build their own links from the request instead.
CASEBOOK_SITE_URL = env_url("CASEBOOK_SITE_URL", "http://localhost:8000")

# Celery. Without a broker every task runs eagerly in the calling process (and raises its
# errors there), which keeps `make run` and `make test` working with nothing installed.
CELERY_BROKER_URL = broker_url("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
if CELERY_BROKER_URL is None:
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = None
else:
    # Job progress is recorded in the database; the result backend only serves the few
    # tasks whose caller waits for an answer (the broker round-trip check).
    CELERY_RESULT_BACKEND = CELERY_BROKER_URL
CELERY_RESULT_EXPIRES = 3600
# The queue tasks go to when nothing routes them: several Casebooks (or a test's own worker)
# can share one broker, each on its own queue.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# A task is acknowledged only after it finishes, and one whose worker died is re-queued:
# every task is written to be safe when it runs twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The schedule as data. Each entry expires just before its next run, so a backlog after an
# outage never piles up duplicate passes.
# The database is the record of which jobs are waiting, not the broker: a job silent for this
# long (never sent because the broker was down, its message lost when the broker restarted,
# its worker killed) is sent again by the sweeper, which beat runs this often. Longer than any
# one step of a job takes, so a job still running is rarely sent twice (and safe if it is).
CASEBOOK_JOB_STALE_SECONDS = env_int("CASEBOOK_JOB_STALE_SECONDS", 300)
CASEBOOK_JOB_SWEEP_SECONDS = env_int("CASEBOOK_JOB_SWEEP_SECONDS", 60)
# A notification's e-mail that no worker took (the broker was down or lost the message) is
# sent by the sweep for this many hours after the notification; later, it stays on the site.
CASEBOOK_NOTIFICATION_EMAIL_HOURS = env_int("CASEBOOK_NOTIFICATION_EMAIL_HOURS", 24)
CELERY_BEAT_SCHEDULE: dict = {
    "analytics-nightly": {
        "task": "analytics.nightly",
        "schedule": crontab(hour=2, minute=30),
        "options": {"expires": 23 * 3600},
    },
    "jobs-sweep": {
        "task": "config.jobs_sweep",
        "schedule": datetime.timedelta(seconds=CASEBOOK_JOB_SWEEP_SECONDS),
        "options": {"expires": 0.9 * CASEBOOK_JOB_SWEEP_SECONDS},
    },
}

# The problem log tells the analytics engine about changes by task name, after commit
# (complaints imports nothing from analytics). Empty: nobody listens.
CASEBOOK_PROBLEM_CHANGED_TASK = "analytics.problem_changed"
CASEBOOK_PROBLEMS_IMPORTED_TASK = "analytics.problems_imported"
# A preventive action was recorded or its date or target changed: the task takes the centre's
# id, and the engine's full pass re-measures every preventive action of the centre. The
# engine has no task of its own for this yet, so its after-an-import full pass serves.
CASEBOOK_PREVENTIVE_ACTION_CHANGED_TASK = "analytics.problems_imported"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint logs each rendering step (and its stylesheets at import) at INFO.
        "weasyprint.progress": {"level": "WARNING"},
    },
}
