"""TravelHub settings, read from environment variables.

With nothing set the project runs embedded: SQLite file, local-memory cache,
Celery tasks executed eagerly in-process and e-mail printed to the console.
Production sets DATABASE_URL, REDIS_URL (cache, broker) and SECRET_KEY.
"""

import ipaddress
from decimal import Decimal
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# A fresh checkout with nothing configured (no DATABASE_URL, no REDIS_URL) is
# a development machine: it runs embedded and with DEBUG on.
EMBEDDED = "DATABASE_URL" not in env and "REDIS_URL" not in env
DEBUG = env.bool("DEBUG", default=EMBEDDED)

# Like every other "DEBUG off requires X" below, only DEBUG decides: a
# machine without DATABASE_URL/REDIS_URL but with DEBUG=false is still
# treated as production, never given the published development key.
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "insecure-development-key-" + "x" * 40
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set the SECRET_KEY environment variable (DEBUG is off, so no development key is used)."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # The admin's theme; before django.contrib.admin so its templates win.
    "unfold",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_prometheus",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "core",
    "bookings",
    "chat",
]

MIDDLEWARE = [
    "core.middleware.RequestMetricsMiddleware",
    "core.api.caching.CacheControlMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.QueryCountDebugMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "core.middleware.ControlCharactersMiddleware",
    # Answers cached reads (catalogs); what follows is not needed for them.
    "core.api.caching.CachedResponseMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"
ASGI_APPLICATION = "project.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

# --- Database -------------------------------------------------------------

DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
_ENGINES_WITH_METRICS = {
    "django.db.backends.postgresql": "django_prometheus.db.backends.postgresql",
    "django.db.backends.sqlite3": "django_prometheus.db.backends.sqlite3",
}
DATABASES["default"]["ENGINE"] = _ENGINES_WITH_METRICS.get(
    DATABASES["default"]["ENGINE"], DATABASES["default"]["ENGINE"]
)
IS_POSTGRESQL = "postgresql" in DATABASES["default"]["ENGINE"]
if IS_POSTGRESQL:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A database that accepts connections but never answers must not hang
    # requests and probes: connecting is bounded (libpq counts at least 2 s),
    # and so is every statement, on the server (0 turns it off, e.g. for a
    # long migration).
    _db_options = DATABASES["default"].setdefault("OPTIONS", {})
    _db_options.setdefault("connect_timeout", env.int("DB_CONNECT_TIMEOUT", default=5))
    _db_options["options"] = " ".join(
        part
        for part in (
            _db_options.get("options", ""),
            f"-c statement_timeout={env.int('DB_STATEMENT_TIMEOUT_MS', default=30000)}",
        )
        if part
    )
    # Tests run in "test_<database of DATABASE_URL>" (Django's default): runs
    # against different databases of one server never share a test database.
else:
    # Several threads (the dev server, tests) write to one SQLite file; each
    # transaction takes the write lock when it begins, so writers queue
    # instead of failing on a lock upgrade (SQLite has no row locks: this is
    # how calendars are written one at a time there).
    DATABASES["default"].setdefault("OPTIONS", {}).update(timeout=20, transaction_mode="IMMEDIATE")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (INCLUDE) serve the listing search on PostgreSQL; SQLite
# builds them without the extra columns, which is all it needs.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
AUTH_USER_MODEL = "core.User"

# --- Cache ----------------------------------------------------------------

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_prometheus.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "travelhub",
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                # A dead Redis must fail fast so requests fall back to the
                # database instead of hanging.
                "SOCKET_CONNECT_TIMEOUT": env.float("REDIS_CONNECT_TIMEOUT", default=0.5),
                "SOCKET_TIMEOUT": env.float("REDIS_SOCKET_TIMEOUT", default=1.0),
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django_prometheus.cache.backends.locmem.LocMemCache",
            "LOCATION": "travelhub",
        }
    }

# The namespaced cache of rendered responses (core.cache): on, and kept in
# each process's memory as well as in Redis when there is one (processes
# learn of writes through Redis pub/sub), at most this many bytes of it.
CACHE_ENABLED = env.bool("CACHE_ENABLED", default=True)
CACHE_LOCAL_TIER = env.bool("CACHE_LOCAL_TIER", default=bool(REDIS_URL))
CACHE_LOCAL_MAX_BYTES = env.int("CACHE_LOCAL_MAX_BYTES", default=64 * 1024 * 1024)

# Where clients reach the API; the cache warm-up requests pages as they would.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://localhost:8000")

# Sessions live in the database: the admin keeps working when Redis is down.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Chat: WebSockets (/ws/chat/, served by the ASGI server only) ----------

# The channel layer carries chat events from whichever process publishes
# them (a web request, a worker, another socket) to the ASGI processes
# holding the recipients' sockets. Redis in production; without REDIS_URL
# the in-memory layer, which only reaches sockets of the same process (one
# process serving HTTP and sockets: a development machine).
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # Waiting for events is a 5 s BZPOPMIN; redis-py's default
                # socket timeout is 5 s too, and a read that times out kills
                # the waiting sockets' consumers: wait longer than it blocks.
                # A burst of sockets connecting announces each one's presence
                # to its partners at once; redis-py's pool allows 100
                # connections and refuses the rest ("Too many connections").
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": 15,
                        "socket_connect_timeout": 2,
                        "max_connections": env.int("CHAT_REDIS_MAX_CONNECTIONS", default=1000),
                    }
                ],
                "prefix": "travelhub:asgi",
                # Events waiting in Redis for one ASGI process (all its
                # sockets share one queue there), and for one socket in the
                # process; past them the layer drops events (the user's log
                # keeps them, chat.realtime). 100, the default, dropped
                # events of 250 sockets a process under load.
                "capacity": env.int("CHAT_CHANNEL_CAPACITY", default=10_000),
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Each user's lasting events (messages, deletions, receipts) are numbered and
# the last CHAT_EVENT_LOG_LENGTH of them kept for a reconnecting client; a
# user's log with no new event for CHAT_EVENT_LOG_SECONDS is dropped, and a
# client further behind is told to re-list (chat.realtime_store).
CHAT_REDIS_KEY_PREFIX = env.str("CHAT_REDIS_KEY_PREFIX", default="travelhub:chat:")
CHAT_REDIS_TIMEOUT_SECONDS = env.float("CHAT_REDIS_TIMEOUT_SECONDS", default=1.0)
CHAT_EVENT_LOG_LENGTH = env.int("CHAT_EVENT_LOG_LENGTH", default=500)
CHAT_EVENT_LOG_SECONDS = env.int("CHAT_EVENT_LOG_SECONDS", default=24 * 3600)
# A user's sequence outlives the log; if it is lost anyway, clients are told to re-list.
CHAT_SEQUENCE_TTL_SECONDS = env.int("CHAT_SEQUENCE_TTL_SECONDS", default=30 * 24 * 3600)
# A live socket is counted for this long and renewed at a third of it, so a
# crashed ASGI process stops counting its users online within it.
CHAT_CONNECTION_TTL_SECONDS = env.int("CHAT_CONNECTION_TTL_SECONDS", default=60)
# At most one "typing" per user and conversation this often, across processes.
CHAT_TYPING_THROTTLE_SECONDS = env.int("CHAT_TYPING_THROTTLE_SECONDS", default=3)
# Client frames: the largest accepted, and how many a socket may send per second.
CHAT_WS_MAX_FRAME_BYTES = env.int("CHAT_WS_MAX_FRAME_BYTES", default=4096)
CHAT_WS_FRAMES_PER_SECOND = env.int("CHAT_WS_FRAMES_PER_SECOND", default=20)

# --- Celery ---------------------------------------------------------------

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
# Without a broker (embedded default) tasks run in-process.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
if not CELERY_BROKER_URL:
    # Nothing is sent anywhere (tasks run in-process), but Celery still builds
    # a broker connection, and an empty URL makes kombu warn "No hostname was
    # supplied. Reverting to default 'localhost'" as if it were looking for one.
    CELERY_BROKER_URL = "memory://localhost/"
# In-process tasks run after the request's transaction commits: a failing one
# is logged by Celery rather than turning a committed change into a 500.
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
# acks_late with a prefetch of 1 keeps a long task from holding others hostage.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_MAX_TASKS_PER_CHILD = 1000
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request that sends a task after its commit must not hang on a dead or
# unreachable broker: connecting and each socket operation are bounded, and
# core.services.task_dispatch retries a publish once. What must run is in the
# task outbox and is sent again when the broker is back.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=0.5)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Opening a channel tries twice, without sleeping in between (kombu
    # would otherwise sleep for seconds in the sender's request).
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0,
    "interval_max": 0,
    "socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
    # Workers wait on BRPOP through the event loop, which this does not bound.
    "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=1.0),
}
if CELERY_BROKER_URL.startswith("redis://"):
    # Workers survive a Redis restart with tasks running (see the class).
    CELERY_BROKER_TRANSPORT = "core.celery_broker:Transport"
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = CELERY_BROKER_CONNECTION_TIMEOUT
CELERY_REDIS_SOCKET_TIMEOUT = 2.0
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = env.str("TIME_ZONE", default="America/Lima")

# --- Auth and passwords ---------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Failed logins (token endpoint and admin) per username and per client
# address within the window, past which logins are refused (429) until it
# ends: core.services.login_throttle.
LOGIN_FAILURES_PER_USERNAME = env.int("LOGIN_FAILURES_PER_USERNAME", default=10)
LOGIN_FAILURES_PER_ADDRESS = env.int("LOGIN_FAILURES_PER_ADDRESS", default=50)
LOGIN_FAILURES_WINDOW_SECONDS = env.int("LOGIN_FAILURES_WINDOW_SECONDS", default=15 * 60)
# Proxies in front that append the client's address to X-Forwarded-For (a
# load balancer: 1); 0 uses the connecting address. Only this many entries
# from the right are trusted: clients write anything they like on the left.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# API tokens (core.services.api_tokens) last this long from their last use.
API_TOKEN_LIFETIME_DAYS = env.int("API_TOKEN_LIFETIME_DAYS", default=30)

# --- Internationalisation -------------------------------------------------

LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="America/Lima")
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Uploaded and generated files (listing photos, PDFs, ticket documents). Web
# processes and workers must share them: MEDIA_ROOT on one machine (or a
# shared volume), or, across machines, an S3-compatible bucket
# (MEDIA_STORAGE=s3). Photos are public; PDFs are only served by the API.
MEDIA_STORAGE = env.str("MEDIA_STORAGE", default="filesystem")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or EMBEDDED
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
if MEDIA_STORAGE == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env.str("AWS_S3_REGION_NAME", default=None),
            "access_key": env.str("AWS_ACCESS_KEY_ID", default=None),
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default=None),
            # Objects stay private; links are signed and expire (an hour).
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 3600,
            "file_overwrite": False,
        },
    }
elif MEDIA_STORAGE != "filesystem":
    raise ImproperlyConfigured("MEDIA_STORAGE must be filesystem or s3")

# --- E-mail ---------------------------------------------------------------

EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend",
)
# Where the file-based backend (EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend) writes.
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "sent-emails"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="TravelHub <no-reply@travelhub.local>")

# --- REST framework and API docs -------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "core.api.renderers.ORJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "core.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# The schema and its docs map every route and field of the API: public on a
# development machine, for users with admin access (by token or the admin's
# session) in production, or not served at all.
API_DOCS = env.str("API_DOCS", default="public" if DEBUG else "staff")
if API_DOCS not in ("public", "staff", "off"):
    raise ImproperlyConfigured("API_DOCS must be public, staff or off")

SPECTACULAR_SETTINGS = {
    "TITLE": "TravelHub API",
    "DESCRIPTION": (
        "Travel agency and rentals marketplace: catalogs, sales, imported tickets, "
        "invoices, accounting, listings, bookings and chat."
    ),
    "VERSION": "1.0.0",
    # Swagger UI from drf-spectacular-sidecar's static files (whitenoise
    # serves them), at the version pinned in requirements.txt.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Who may read /api/schema/ and /api/docs/: API_DOCS above.
    "SERVE_PERMISSIONS": ["core.api.permissions.ApiDocsAccess"],
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set wherever it appears; the names clients already
    # generate code from (TypeEnum, SourceEnum) are kept.
    "ENUM_NAME_OVERRIDES": {
        "SaleStatusEnum": "core.models.sales.Sale.Status",
        "InvoiceStatusEnum": "core.models.invoicing.Invoice.Status",
        "ImportedTicketStatusEnum": "core.models.tickets.ImportedTicket.Status",
        "ProductKindEnum": "core.models.parties.Product.Kind",
        "TypeEnum": "core.models.accounting.Account.Type",
        "JournalEntrySourceEnum": "core.models.accounting.JournalEntry.Source",
        "SourceEnum": "core.models.catalogs.Airline.Source",
    },
}

# --- Observability --------------------------------------------------------

# /metrics answers the bearer token METRICS_TOKEN, or requests connecting
# from METRICS_ALLOWED_NETWORKS (loopback on a development machine, none in
# production unless listed); anyone else gets a 403.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.0/8", "::1/128"] if DEBUG else [])
for _network in METRICS_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_NETWORKS: {_error}") from None

# /health/ready answers within this many seconds, naming the parts that
# failed or did not answer in time (load balancers give up at 2 s or so).
HEALTH_READY_TIMEOUT_SECONDS = env.float("HEALTH_READY_TIMEOUT_SECONDS", default=1.5)

# Logs method, path, status, query count and time of each request and adds a
# Server-Timing header; warns above QUERY_COUNT_WARNING queries.
QUERY_COUNT_MIDDLEWARE = env.bool("QUERY_COUNT_MIDDLEWARE", default=DEBUG)
QUERY_COUNT_WARNING = env.int("QUERY_COUNT_WARNING", default=10)


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
if QUERY_COUNT_MIDDLEWARE:
    # travelhub.requests logs each request once, with its status; runserver's
    # access line (django.server) and the "Bad Request"/"Not Found" warning
    # (django.request) would say it twice more. Errors (5xx) still log there.
    LOGGING["loggers"]["django.server"] = {"level": "ERROR"}
    LOGGING["loggers"]["django.request"] = {"level": "ERROR"}
# runserver prints "Watching for file changes" itself; its logger said it again.
LOGGING["loggers"]["django.utils.autoreload"] = {"level": "WARNING"}

# --- Security (production) -------------------------------------------------

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# TLS usually ends at the load balancer; set SECURE_SSL_REDIRECT=true where it does not.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^health/", r"^metrics$"]
# DEBUG off means production, embedded or not: secure cookies and HSTS.
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- The agency -----------------------------------------------------------

# Printed on every invoice and ticket receipt. A development machine (DEBUG
# on) prints a demo agency; with DEBUG off the real ones must be given.
AGENCY_NAME = env.str("AGENCY_NAME", default="")
AGENCY_TAX_ID = env.str("AGENCY_TAX_ID", default="")  # RUC
AGENCY_ADDRESS = env.str("AGENCY_ADDRESS", default="")
AGENCY_EMAIL = env.str("AGENCY_EMAIL", default="")
# Tickets that print no currency are sold in this one.
AGENCY_CURRENCY = env.str("AGENCY_CURRENCY", default="PEN")
_DEMO_AGENCY = {
    "AGENCY_NAME": "TravelHub Viajes S.A.C. (demo)",
    "AGENCY_TAX_ID": "20123456789",
    "AGENCY_ADDRESS": "Av. José Larco 1232, Miraflores, Lima",
}
_missing_agency = [name for name in _DEMO_AGENCY if not globals()[name]]
if _missing_agency and not DEBUG:
    raise ImproperlyConfigured(
        f"{', '.join(_missing_agency)} not set. The agency's legal name, tax id (RUC) and address are printed "
        "on invoices; DEBUG is off, so no demo agency is used. Set them as environment variables."
    )
if _missing_agency:
    globals().update({name: _DEMO_AGENCY[name] for name in _missing_agency})

# --- Admin (the back office) -----------------------------------------------

# django-unfold: the product's name over the agency's, and the index is a
# dashboard of what needs attention (core.admin.dashboard).
UNFOLD = {
    "SITE_TITLE": "TravelHub",
    "SITE_HEADER": "TravelHub",
    "SITE_SUBHEADER": AGENCY_NAME,
    "SITE_SYMBOL": "travel_explore",
    "SITE_URL": "/",
    "DASHBOARD_CALLBACK": "core.admin.dashboard.dashboard_callback",
    "SIDEBAR": {"show_search": True},
}

# --- Notification queue, outgoing webhooks, analytics ---------------------

# A claimed notification or delivery belongs to its worker for this long; a
# worker that dies loses it after the lease and another one takes it.
NOTIFICATION_LEASE_SECONDS = env.int("NOTIFICATION_LEASE_SECONDS", default=120)
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=6)
# A notification whose worker was lost on this many claims is parked as dead
# (deliveries use NOTIFICATION_MAX_ATTEMPTS: a lost sender counts as an attempt).
NOTIFICATION_MAX_CLAIMS = env.int("NOTIFICATION_MAX_CLAIMS", default=5)
# Failed attempt n waits base * 2^(n-1) seconds, ±20%: 30 s, 1 min, 2 min ... 8 min.
NOTIFICATION_RETRY_BASE_SECONDS = env.int("NOTIFICATION_RETRY_BASE_SECONDS", default=30)
NOTIFICATION_PUSH_PROVIDER = env.str(
    "NOTIFICATION_PUSH_PROVIDER", default="core.services.notification_channels.LoggingPushProvider"
)
NOTIFICATION_PUSH_FILE = env.str("NOTIFICATION_PUSH_FILE", default=str(BASE_DIR / "push.jsonl"))
# Only tests and local development send webhooks to loopback or private addresses.
WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=False)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=15)
# The longest an imported e-ticket's parse may take; past it the row is an error.
TICKET_PARSE_TIMEOUT_SECONDS = env.float("TICKET_PARSE_TIMEOUT_SECONDS", default=10)
# Rentals: the platform's fee on each stay (% of the nights), taxes on the
# whole stay if the deployment charges them, and how long a guest has to pay.
BOOKING_SERVICE_FEE_PERCENT = Decimal(env.str("BOOKING_SERVICE_FEE_PERCENT", default="10"))
BOOKING_TAX_PERCENT = Decimal(env.str("BOOKING_TAX_PERCENT", default="0"))
BOOKING_PAYMENT_MINUTES = env.int("BOOKING_PAYMENT_MINUTES", default=30)
# The tax included in the platform's fees, for the books (IGV in Peru).
MARKETPLACE_FEE_TAX_PERCENT = Decimal(env.str("MARKETPLACE_FEE_TAX_PERCENT", default="18"))
# The payment provider: "fake" (development and tests: tokens that succeed,
# decline, ask for 3-D Secure or time out) or "stripe" (PaymentIntents API).
# With DEBUG off nothing is assumed: "fake" would confirm bookings nobody
# paid, and a known webhook secret would let anyone forge payments.
PAYMENT_PROVIDER = env.str("PAYMENT_PROVIDER", default="fake" if DEBUG else "stripe")
PAYMENT_WEBHOOK_SECRET = env.str("PAYMENT_WEBHOOK_SECRET", default="whsec_travelhub_development_only" if DEBUG else "")
# A provider's webhook older (or newer) than this is refused: replays of old captures fail.
PAYMENT_WEBHOOK_TOLERANCE_SECONDS = env.int("PAYMENT_WEBHOOK_TOLERANCE_SECONDS", default=300)
# How long a provider's webhook waits for a payment another request is
# writing; past it the webhook answers 503 and the provider retries.
PAYMENT_WEBHOOK_LOCK_TIMEOUT_MS = env.int("PAYMENT_WEBHOOK_LOCK_TIMEOUT_MS", default=5000)
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com")
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
PAYMENT_TIMEOUT_SECONDS = env.float("PAYMENT_TIMEOUT_SECONDS", default=15)
_missing_payment = [
    name
    for name, needed in (
        ("PAYMENT_WEBHOOK_SECRET", True),
        ("STRIPE_SECRET_KEY", PAYMENT_PROVIDER == "stripe"),
    )
    if needed and not globals()[name]
]
if _missing_payment and not DEBUG:
    raise ImproperlyConfigured(
        f"{', '.join(_missing_payment)} not set. Payments need the provider's keys when DEBUG is off "
        "(PAYMENT_PROVIDER is stripe unless set to fake, which only tests and demos use)."
    )

# Where analytics rows wait before their table (core.services.analytics):
# "auto" buffers them in Redis only when Redis persists them (append-only
# file on), "redis" always, "database" never (written at once).
ANALYTICS_BUFFER = env.str("ANALYTICS_BUFFER", default="auto")
if ANALYTICS_BUFFER not in ("auto", "redis", "database"):
    raise ImproperlyConfigured("ANALYTICS_BUFFER must be auto, redis or database")

# --- chat ---------------------------------------------------------------------------

# Messages a user may send per minute before a 429 (a fixed one-minute window in the cache).
CHAT_MESSAGES_PER_MINUTE = env.int("CHAT_MESSAGES_PER_MINUTE", default=30)
# How long after sending a message its sender may still delete it.
CHAT_DELETE_WINDOW_MINUTES = env.int("CHAT_DELETE_WINDOW_MINUTES", default=15)
# "Online" lasts this long after a heartbeat (clients send one about every 60 s).
CHAT_PRESENCE_TTL_SECONDS = env.int("CHAT_PRESENCE_TTL_SECONDS", default=90)
# Messages to an offline user within this window become one push.
CHAT_PUSH_COLLAPSE_SECONDS = env.int("CHAT_PUSH_COLLAPSE_SECONDS", default=30)
