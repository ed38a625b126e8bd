"""Settings for xstocks_site, read from the environment.

Every default runs locally on the embedded default (SQLite, a file-system
Celery broker, local chains); production differs by environment only.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: str = "False") -> bool:
    value = os.environ.get(name, default).strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use true or false)")


def envint(name: str, default: str) -> int:
    value = os.environ.get(name, default)
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer") from exc


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# "development" (the embedded default) or "production": production turns every
# security setting on and refuses to start without a real SECRET_KEY.
XSTOCKS_ENV = env("XSTOCKS_ENV", "development")
if XSTOCKS_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("XSTOCKS_ENV must be development or production")
PRODUCTION = XSTOCKS_ENV == "production"

DEBUG = envbool("DEBUG", "False" if PRODUCTION else "True")
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production (it shows settings and code)")
# The key `make run` uses: known to everyone, so refused in production.
DEVELOPMENT_SECRET_KEY = "development-only-key-never-use-in-production-0123456789abcdefghij"  # noqa: S105
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set in production")
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
if PRODUCTION and (
    SECRET_KEY == DEVELOPMENT_SECRET_KEY
    or SECRET_KEY.startswith("django-insecure")
    or len(SECRET_KEY) < 50
    or len(set(SECRET_KEY)) < 5
):
    raise ImproperlyConfigured(
        "SECRET_KEY is the development key or too weak: production needs 50 or more random "
        "characters, e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")
# Local state of the embedded default (SQLite file, file-system broker, uploads).
VAR_DIR = Path(env("XSTOCKS_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

INSTALLED_APPS = [
    # The admin asks officers for a TOTP code when COMPLIANCE_REQUIRE_OTP is on.
    "xstocks_site.apps.SiteAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "csp",
    "apps.core",
    "apps.catalog",
    "apps.custody",
    "apps.chains",
    "apps.reserves",
    "apps.markets",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_ratelimit",
    "apps.audit",
    "apps.jurisdictions",
    "apps.compliance",
    "apps.onboarding",
    "apps.alerts",
    "apps.portfolio",
    "apps.explorer",
]

# The demo world (apps.devchain: local chains, a JSON-RPC server, simulators, demo custodians)
# is installed only where it is wanted: by default in development, never by default in
# production; the worker that `demo_world` starts (XSTOCKS_DEMO_WORLD) always has it.
DEMO_WORLD = envbool("XSTOCKS_DEMO_WORLD", "False")
DEMO_APPS = envbool("XSTOCKS_DEMO_APPS", "False" if PRODUCTION else "True") or DEMO_WORLD
if DEMO_APPS:
    INSTALLED_APPS.append("apps.devchain")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Answers that say nothing about caching go out private, no-store (apps.core.public_cache).
    "apps.core.public_cache.CacheControlMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: the switcher's cookie, then Accept-Language; English under /api/.
    "apps.core.locale.SiteLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "apps.core.staff.StaffSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "apps.audit.context.RequestContextMiddleware",
    "apps.jurisdictions.gate.JurisdictionGateMiddleware",
    # Last, as django-axes asks: turns a locked-out log-in into HTTP 429.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # Refuses a locked-out client before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "xstocks_site.urls"
WSGI_APPLICATION = "xstocks_site.wsgi.application"
ASGI_APPLICATION = "xstocks_site.asgi.application"

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
                "apps.core.context_processors.site",
                "apps.compliance.context_processors.back_office",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    },
]

# SQLite file by default; DATABASE_URL=postgres://user@host:5432/name for PostgreSQL (psycopg 3).
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("DB_CONN_MAX_AGE", "60"),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker, demo world) share the file: wait for locks.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# REDIS_CACHE_URL=redis://host:6379/1 shares the cache between processes and hosts. Without it
# (the embedded default) the cache is a folder under var/: the web server, the worker and the
# demo world on one machine still see each other's data versions, so a page cached by one is
# rebuilt when another writes. Production refuses to run without Redis: log-in limits and
# throttles must count across hosts.
CACHE_URL = env("REDIS_CACHE_URL")
if PRODUCTION and not CACHE_URL:
    raise ImproperlyConfigured(
        "REDIS_CACHE_URL must be set in production: rate limits need a cache shared by every "
        "process (a per-process memory cache multiplies them)"
    )
CACHES = {
    "default": (
        # Django's Redis cache keeping one client per pool (apps/core/redis_cache.py).
        {"BACKEND": "apps.core.redis_cache.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            # Enough for every token page, filter and version of the demo catalogue; culling
            # drops a third of the entries at random, versions included (a dropped version
            # restarts at the clock: pages showing it are rebuilt, never served stale).
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    )
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# English is the default; Traditional Chinese (Taiwan and Hong Kong usage) is complete for the
# public and investor pages, chosen by Accept-Language or the switcher's cookie
# (apps.core.locale). The back office stays English. The API is always English.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hant", "繁體中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Date formats per language (xstocks_site/formats/<locale>/formats.py): `|date:"DATE_FORMAT"`.
FORMAT_MODULE_PATH = ["xstocks_site.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Outside production whitenoise serves straight from static/ and the apps, no collectstatic needed.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG and not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Security: on in production, from the environment everywhere.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", str(PRODUCTION))
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", str(PRODUCTION))
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", str(PRODUCTION))
# The language switcher's cookie: a preference, no secret; sent over HTTPS only where sessions are.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600  # a year, in seconds
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "31536000" if PRODUCTION else "0")
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every answer (django-csp): scripts, styles, images and requests
# from this site only; no inline script or style, no plugin, never framed. A view that sets
# its own header (KYC documents) keeps it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # plotly.js (3.7.0, from static/vendor) adds two <style> elements: an empty one it
        # fills through the CSSOM, and maplibre's rules. They are allowed by their SHA-256
        # and nothing else inline is; a new plotly.js shows its hashes in the browser tests.
        "style-src": [
            "'self'",
            "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
            "'sha256-V2sIX92Uh6ZaGSFTKMHghsB85b9toJtmazgG09AI2uk='",
        ],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
}
SESSION_COOKIE_HTTPONLY = True
# Investors keep SESSION_COOKIE_AGE (two weeks); staff sessions end after this long idle.
STAFF_SESSION_IDLE_SECONDS = envint("STAFF_SESSION_IDLE_SECONDS", str(8 * 3600))
# Uploads: form fields (not files) held in memory at most, and files kept in memory before
# they spill to a private temporary file; the KYC view also checks its own limit first.
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", str(1024 * 1024))
FILE_UPLOAD_MAX_MEMORY_SIZE = envint("FILE_UPLOAD_MAX_MEMORY_SIZE", str(2 * 1024 * 1024))
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
if envbool("SECURE_PROXY_SSL_HEADER", "False"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "no-reply@xstocks.local")
COMPLIANCE_EMAIL = env("COMPLIANCE_EMAIL", "compliance@xstocks.local")

# The public API is read-only open data: no authentication at all (a wrong Authorization
# header is ignored, never checked), and anonymous use is throttled per client address.
API_ANON_RATE = env("API_ANON_RATE", "600/minute")
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "apps.explorer.pagination.LimitOffset",
    "PAGE_SIZE": 50,
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": ["apps.explorer.throttling.ClientAnonRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + ([] if PRODUCTION else ["rest_framework.renderers.BrowsableAPIRenderer"]),
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_RATES": {"anon": API_ANON_RATE},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "xstocks_site API",
    "DESCRIPTION": (
        "Open data on share-backed tokenized stocks: catalogue, supply, reserves and prices. "
        "Read-only and open: no authentication (an Authorization header is ignored). "
        "Anonymous use is limited per client address (API_ANON_RATE); past it the answer "
        "is 429 with Retry-After. Decimals are strings in plain notation (never floats), "
        "times are RFC 3339 in UTC. A query parameter that cannot be honoured is refused "
        "with 400 and a body naming it and saying why; an unknown symbol is 404."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI assets come from drf-spectacular-sidecar, served from our own static files.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No validator badge: it would ask an outside host to check the schema.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "ENUM_NAME_OVERRIDES": {
        "TokenStatusEnum": "apps.catalog.models.Token.Status",
        "BackingStatusEnum": "apps.reserves.models.ReserveSnapshot.Status",
        "ChainKindEnum": "apps.catalog.models.Chain.Kind",
        "SessionEnum": "apps.markets.serializers.SESSION_CHOICES",
        "PriceSourceEnum": "apps.markets.models.Quote.Source",
        "IntervalEnum": "apps.markets.models.Bar.Interval",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.explorer.schema.public_api",
    ],
}

# Celery. The default broker is the file system under var/, so `make run`
# needs no server; CI and production set CELERY_BROKER_URL to Redis or RabbitMQ.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "filesystem://")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", "") or None
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(VAR_DIR / "broker"),
        "data_folder_out": str(VAR_DIR / "broker"),
        "processed_folder": str(VAR_DIR / "broker-processed"),
        "control_folder": str(VAR_DIR / "broker-control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {}
)
for _folder in {*CELERY_BROKER_TRANSPORT_OPTIONS.values()} - {False}:
    Path(str(_folder)).mkdir(parents=True, exist_ok=True)
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", "False")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_TIME_LIMIT = envint("CELERY_TASK_TIME_LIMIT", "300")  # seconds, hard
CELERY_TASK_SOFT_TIME_LIMIT = envint("CELERY_TASK_SOFT_TIME_LIMIT", "240")  # seconds
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task whose worker dies under it (SIGKILL, out of memory) goes back to the queue instead of
# being acknowledged as failed; every task is idempotent, so running it again is safe.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Redis brokers hand a message no worker acknowledged (its worker died) to another worker after
# this many seconds: longer than any task runs or waits (retries' countdowns included).
CELERY_VISIBILITY_TIMEOUT = envint("CELERY_VISIBILITY_TIMEOUT", "3600")
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
        # Look for such messages every few seconds (at most every 10 s).
        "unacked_restore_interval": max(1, min(10, CELERY_VISIBILITY_TIMEOUT // 5)),
        "unacked_restore_throttle": 1,
    }
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict[str, dict] = {}
# Chain sync (apps.chains): how often every chain's supply and oracle feeds are read.
SUPPLY_SYNC_SECONDS = envint("SUPPLY_SYNC_SECONDS", "60")
ORACLE_SYNC_SECONDS = envint("ORACLE_SYNC_SECONDS", "300")
CHAIN_RPC_TIMEOUT_SECONDS = envint("CHAIN_RPC_TIMEOUT_SECONDS", "10")  # per HTTP round trip
CELERY_BEAT_SCHEDULE["chains-sync-supply"] = {
    "task": "chains.sync_supply_all",
    "schedule": float(SUPPLY_SYNC_SECONDS),
}
CELERY_BEAT_SCHEDULE["chains-sync-oracles"] = {
    "task": "chains.sync_oracles_all",
    "schedule": float(ORACLE_SYNC_SECONDS),
}

# --- Custody statements and reserves (apps.custody, apps.reserves) ---
# Custodians drop statements here; a beat task imports them into processed/ or rejected/.
CUSTODY_INBOX_DIR = Path(env("CUSTODY_INBOX_DIR", str(VAR_DIR / "custody-inbox")))
CUSTODY_INBOX_POLL_SECONDS = envint("CUSTODY_INBOX_POLL_SECONDS", "60")
CUSTODY_MAX_STATEMENT_BYTES = envint("CUSTODY_MAX_STATEMENT_BYTES", str(5 * 1024 * 1024))
# Shares held may fall short of shares required by this much (basis points) and still be backed.
RESERVE_TOLERANCE_BPS = envint("RESERVE_TOLERANCE_BPS", "0")
# A custodian statement older than this makes the backing stale (hours; covers weekends).
RESERVE_STATEMENT_MAX_AGE_HOURS = envint("RESERVE_STATEMENT_MAX_AGE_HOURS", "96")
# A deployment on a chain with no node configured is not read: its supply is unknown, and so
# is the token's backing (fail closed). The demo world, which runs only some chains locally,
# turns this on: such deployments are then left out of the sum and listed as not counted.
RESERVE_SKIP_CHAINS_WITHOUT_NODE = envbool("RESERVE_SKIP_CHAINS_WITHOUT_NODE", "False")
if PRODUCTION and RESERVE_SKIP_CHAINS_WITHOUT_NODE:
    # A backing summed over part of the supply must never be published as backed.
    raise ImproperlyConfigured(
        "RESERVE_SKIP_CHAINS_WITHOUT_NODE is for the demo world only: production counts every "
        "chain a token is deployed on (set RPC_URL_<SLUG> for each)"
    )
# Recompute every snapshot this often, so staleness shows even when no input changes.
RESERVE_RECOMPUTE_SECONDS = envint("RESERVE_RECOMPUTE_SECONDS", "900")
CELERY_BEAT_SCHEDULE["custody-poll-inbox"] = {
    "task": "apps.custody.tasks.poll_custody_inbox",
    "schedule": CUSTODY_INBOX_POLL_SECONDS,
}
CELERY_BEAT_SCHEDULE["reserves-recompute-all"] = {
    "task": "apps.reserves.tasks.compute_all_reserves",
    "schedule": RESERVE_RECOMPUTE_SECONDS,
}
# Markets (live prices). Sources asked by sync_prices, in order: simulator (the embedded
# default), oracle (rounds written by the chain sync), vendor and venue (HTTP, below).
MARKETS_SOURCES = envlist("MARKETS_SOURCES", "simulator,oracle")
MARKETS_SIMULATOR_SEED = envint("MARKETS_SIMULATOR_SEED", "1")
# Dated public reference closes the simulator starts from (data/reference-prices.json, built
# by bench/reference_prices.py); an underlying without one starts at a random price.
MARKETS_REFERENCE_PRICES_PATH = Path(
    env("MARKETS_REFERENCE_PRICES_PATH", str(BASE_DIR / "data" / "reference-prices.json"))
)
MARKETS_VENDOR_URL = env("MARKETS_VENDOR_URL")
MARKETS_VENDOR_API_KEY = env("MARKETS_VENDOR_API_KEY")
MARKETS_VENDOR_MAX_AGE_SECONDS = envint("MARKETS_VENDOR_MAX_AGE_SECONDS", "900")
MARKETS_VENUE_URL = env("MARKETS_VENUE_URL")
MARKETS_VENUE_API_KEY = env("MARKETS_VENUE_API_KEY")
MARKETS_VENUE_MAX_AGE_SECONDS = envint("MARKETS_VENUE_MAX_AGE_SECONDS", "300")
MARKETS_HTTP_TIMEOUT_SECONDS = envint("MARKETS_HTTP_TIMEOUT_SECONDS", "5")
# A tick further than this from the last published price of its source is held for review.
MARKETS_JUMP_BAND_BPS = envint("MARKETS_JUMP_BAND_BPS", "1000")
MARKETS_SYNC_SECONDS = envint("MARKETS_SYNC_SECONDS", "10")
MARKETS_CACHE_SECONDS = envint("MARKETS_CACHE_SECONDS", "2")  # price pages and API
MARKETS_QUOTE_RETENTION_SECONDS = envint("MARKETS_QUOTE_RETENTION_SECONDS", "3600")
# Chainlink Data Streams (the `datastreams` source): REST endpoint, API key and secret (never
# shown or logged), the DON's signer addresses (none: reports read "unverified"; with them a
# report needs MIN_SIGNATURES distinct configured signers, by default f + 1 of n = 3f + 1)
# and how old a report may be before it reads stale. The demo world sets them for its
# processes (a local endpoint, a demo key) and marks what it serves as demo.
MARKETS_DATASTREAMS_URL = env("MARKETS_DATASTREAMS_URL")
MARKETS_DATASTREAMS_API_KEY = env("MARKETS_DATASTREAMS_API_KEY")
MARKETS_DATASTREAMS_API_SECRET = env("MARKETS_DATASTREAMS_API_SECRET")
MARKETS_DATASTREAMS_SIGNERS = envlist("MARKETS_DATASTREAMS_SIGNERS")
MARKETS_DATASTREAMS_MIN_SIGNATURES = envint(
    "MARKETS_DATASTREAMS_MIN_SIGNATURES", str((len(MARKETS_DATASTREAMS_SIGNERS) - 1) // 3 + 1)
)
MARKETS_DATASTREAMS_MAX_AGE_SECONDS = envint("MARKETS_DATASTREAMS_MAX_AGE_SECONDS", "300")
MARKETS_DATASTREAMS_DEMO = envbool("MARKETS_DATASTREAMS_DEMO", "False")
# The embedded demo world (`make run`, `manage.py demo_world`) sets XSTOCKS_DEMO_WORLD for its
# worker: custodians then send a statement every simulated day of DEMO_STATEMENT_SECONDS.
DEMO_STATEMENT_SECONDS = envint("DEMO_STATEMENT_SECONDS", "120")
if DEMO_WORLD:
    CELERY_BEAT_SCHEDULE["demo-custody-statements"] = {
        "task": "devchain.write_demo_custody_statements",
        "schedule": float(DEMO_STATEMENT_SECONDS),
    }
CELERY_BEAT_SCHEDULE["markets-sync-prices"] = {
    "task": "markets.sync_prices",
    "schedule": float(MARKETS_SYNC_SECONDS),
    "options": {"expires": float(MARKETS_SYNC_SECONDS)},
}
CELERY_BEAT_SCHEDULE["markets-compact-history"] = {
    "task": "markets.compact_history",
    "schedule": float(envint("MARKETS_COMPACT_SECONDS", "300")),
}

# Retention: each app prunes its own growing tables once per RETENTION_PRUNE_SECONDS.
# Job runs (the latest per job and chain stays), supply observations (each deployment's
# latest and every one a reserve snapshot names stay) and resolved reserve alerts.
RETENTION_PRUNE_SECONDS = envint("RETENTION_PRUNE_SECONDS", "3600")
JOB_RUN_RETENTION_DAYS = envint("JOB_RUN_RETENTION_DAYS", "30")
SUPPLY_OBSERVATION_RETENTION_DAYS = envint("SUPPLY_OBSERVATION_RETENTION_DAYS", "30")
RESERVE_ALERT_RETENTION_DAYS = envint("RESERVE_ALERT_RETENTION_DAYS", "365")
for _entry, _task in (
    ("core-prune-job-runs", "core.prune_job_runs"),
    ("chains-prune-supply-observations", "chains.prune_supply_observations"),
    ("reserves-prune-resolved-alerts", "apps.reserves.tasks.prune_resolved_alerts"),
):
    CELERY_BEAT_SCHEDULE[_entry] = {"task": _task, "schedule": float(RETENTION_PRUNE_SECONDS)}

# The catalogue's results are rendered once per filter for this long (0: never cached), and
# again as soon as a price, a backing or the catalogue changes.
CATALOG_CACHE_SECONDS = envint("CATALOG_CACHE_SECONDS", "2")

# --- Public answers cached whole (apps.core.public_cache) ---
# Anonymous GETs of public pages and API answers are kept whole in the cache until the data
# they show changes, and at most this long (ages and staleness shown move on); 0: not kept.
PUBLIC_CACHE_SECONDS = envint("PUBLIC_CACHE_SECONDS", str(MARKETS_SYNC_SECONDS))
# Cache-Control of those answers: a browser, proxy or CDN keeps them max-age seconds and may
# serve them stale-while-revalidate seconds more, so a change reaches every reader within
# one price sync interval (MARKETS_SYNC_SECONDS) by default.
PUBLIC_CACHE_MAX_AGE = envint("PUBLIC_CACHE_MAX_AGE", str(max(MARKETS_SYNC_SECONDS // 2, 1)))
PUBLIC_CACHE_STALE_SECONDS = envint(
    "PUBLIC_CACHE_STALE_SECONDS", str(max(MARKETS_SYNC_SECONDS - PUBLIC_CACHE_MAX_AGE, 0))
)

# Catalogue registry loaded by `make run`.
REGISTRY_PATH = Path(env("REGISTRY_PATH", str(BASE_DIR / "data" / "registry.json")))
SITE_NAME = "xstocks_site"

# Onboarding and the jurisdiction gate.
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "onboarding:dashboard"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_RESET_TIMEOUT = envint("PASSWORD_RESET_TIMEOUT", "86400")  # seconds; also e-mail links
# Log-in limits (django-axes): LOGIN_MAX_ATTEMPTS failures for one account, or from one client
# network (an IPv4 address, an IPv6 /64), lock it out for LOGIN_LOCKOUT_SECONDS (HTTP 429).
LOGIN_MAX_ATTEMPTS = envint("LOGIN_MAX_ATTEMPTS", "5")
LOGIN_LOCKOUT_SECONDS = envint("LOGIN_LOCKOUT_SECONDS", "900")
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_FAILURE_LIMIT = LOGIN_MAX_ATTEMPTS
AXES_COOLOFF_TIME = timedelta(seconds=LOGIN_LOCKOUT_SECONDS)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each counted on its own
AXES_CLIENT_IP_CALLABLE = "apps.jurisdictions.geo.client_network"
AXES_USERNAME_CALLABLE = "apps.onboarding.throttles.login_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "apps.onboarding.views.locked_out"
AXES_ENABLE_ADMIN = False  # counters live in the cache, not in axes' tables
AXES_VERBOSE = False
# Sign-up, password reset and verification e-mails (django-ratelimit, per client network, per
# address and per account; "N/h" = N an hour).
SIGNUP_RATE = env("SIGNUP_RATE", "5/h")
PASSWORD_RESET_RATE = env("PASSWORD_RESET_RATE", "5/h")
VERIFY_RESEND_RATE = env("VERIFY_RESEND_RATE", "5/h")
RATELIMIT_IP_META_KEY = "apps.jurisdictions.geo.client_ip_or_unknown"
RATELIMIT_IPV6_MASK = 64
# Compliance officers: the back office, KYC documents and statement uploads.
COMPLIANCE_GROUP = env("COMPLIANCE_GROUP", "Compliance")
# MaxMind-format country database; the default is the CC0 ip-location-db file from npm.
GEOIP_DB_PATH = Path(
    env(
        "GEOIP_DB_PATH",
        str(
            BASE_DIR
            / "node_modules/@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb"
        ),
    )
)
# Proxies whose X-Forwarded-For is believed (addresses or CIDRs, comma-separated).
TRUSTED_PROXIES = envlist("TRUSTED_PROXIES")
# Paths refused (HTTP 451) to requests from blocked countries, and (HTTP 403) to requests whose
# country cannot be told. Relative to the site's mount point (request.path_info).
GEOBLOCK_PATH_PREFIXES = envlist("GEOBLOCK_PATH_PREFIXES", "/onboarding/,/accounts/signup/")
# Let loopback and private addresses through the gate (no country is known for them).
GEOBLOCK_ALLOW_PRIVATE = envbool("GEOBLOCK_ALLOW_PRIVATE", str(not PRODUCTION))
# KYC documents: outside MEDIA_ROOT and any URL, served only through permission checks.
KYC_STORAGE_DIR = Path(env("KYC_STORAGE_DIR", str(VAR_DIR / "private" / "kyc")))
KYC_MAX_UPLOAD_BYTES = envint("KYC_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024))
KYC_MAX_IMAGE_PIXELS = envint("KYC_MAX_IMAGE_PIXELS", str(40_000_000))  # a 600 dpi A4 scan: 35 M
SANCTIONS_MATCH_THRESHOLD = envint("SANCTIONS_MATCH_THRESHOLD", "85")  # 0-100
SANCTIONS_MAX_HITS = envint("SANCTIONS_MAX_HITS", "10")  # hits kept per screening
WALLET_CHALLENGE_TTL_SECONDS = envint("WALLET_CHALLENGE_TTL_SECONDS", "600")
# Compliance officers must confirm a TOTP code (django-otp) before the back office.
COMPLIANCE_REQUIRE_OTP = envbool("COMPLIANCE_REQUIRE_OTP", str(PRODUCTION))
STAFF_OTP_URL = "compliance:otp"  # where staff confirm their code
OTP_TOTP_ISSUER = SITE_NAME
KYC_REVIEW_DEADLINE_DAYS = envint("KYC_REVIEW_DEADLINE_DAYS", "5")  # days from submission
# Where to report a security problem (SECURITY.md).
SECURITY_CONTACT = env("SECURITY_CONTACT", "security@xstocks.local")
# Retention (days) of what the onboarding and jurisdiction apps would otherwise keep for ever;
# beat prunes it every RETENTION_PRUNE_SECONDS (above). Declarations, cases, decisions and the
# audit trail are never pruned.
ACCESS_LOG_RETENTION_DAYS = envint("ACCESS_LOG_RETENTION_DAYS", "365")
UNVERIFIED_ACCOUNT_RETENTION_DAYS = envint("UNVERIFIED_ACCOUNT_RETENTION_DAYS", "30")
UNSIGNED_WALLET_RETENTION_DAYS = envint("UNSIGNED_WALLET_RETENTION_DAYS", "7")
CELERY_BEAT_SCHEDULE["jurisdictions-prune-access-log"] = {
    "task": "jurisdictions.prune_access_log",
    "schedule": float(RETENTION_PRUNE_SECONDS),
}
CELERY_BEAT_SCHEDULE["onboarding-prune"] = {
    "task": "onboarding.prune",
    "schedule": float(RETENTION_PRUNE_SECONDS),
}

# --- Ongoing compliance (apps.onboarding, apps.compliance): re-screening when a list changes,
# periodic reviews, listed wallets and the transfers of catalogue tokens to and from them ---
# Approved cases are reviewed again this long after their last decision (days).
KYC_PERIODIC_REVIEW_DAYS_HIGH_RISK = envint("KYC_PERIODIC_REVIEW_DAYS_HIGH_RISK", "365")
KYC_PERIODIC_REVIEW_DAYS = envint("KYC_PERIODIC_REVIEW_DAYS", "1095")
# Beat interval of the check for expired identity documents and periodic reviews due.
KYC_DUE_REVIEW_CHECK_SECONDS = envint("KYC_DUE_REVIEW_CHECK_SECONDS", "3600")
# Pages only approved investors may open; refused (403) while their access is suspended.
INVESTOR_ONLY_PATH_PREFIXES = envlist(
    "INVESTOR_ONLY_PATH_PREFIXES", "/onboarding/wallets/,/portfolio/"
)
# Beat interval of the scan of each chain's transfers of catalogue tokens.
EXPOSURE_SCAN_SECONDS = envint("EXPOSURE_SCAN_SECONDS", "300")
# Blocks per eth_getLogs call (halved down to 1 while a node refuses the range).
EVM_LOG_BLOCK_RANGE = envint("EVM_LOG_BLOCK_RANGE", "1000")
# A chain scanned for the first time is read from this many blocks before its head.
EXPOSURE_LOOKBACK_BLOCKS = envint("EXPOSURE_LOOKBACK_BLOCKS", "50000")
CELERY_BEAT_SCHEDULE["onboarding-open-due-reviews"] = {
    "task": "onboarding.open_due_reviews",
    "schedule": float(KYC_DUE_REVIEW_CHECK_SECONDS),
}
CELERY_BEAT_SCHEDULE["onboarding-scan-transfers"] = {
    "task": "onboarding.scan_transfers_all",
    "schedule": float(EXPOSURE_SCAN_SECONDS),
}

# --- Public readers: feeds, e-mail alerts (apps.alerts), the badge and /compare/ ---
# The site's canonical address, for links in e-mails that workers send (no request there).
# In production it defaults to https:// and the first ALLOWED_HOSTS entry, and must be https
# (one-click unsubscribe, RFC 8058, needs an https URL).
_first_host = next((h for h in ALLOWED_HOSTS if h and h != "*" and not h.startswith(".")), "")
SITE_URL = env(
    "SITE_URL",
    (f"https://{_first_host}" if _first_host else "") if PRODUCTION else "http://127.0.0.1:8000",
).rstrip("/")
if PRODUCTION and not SITE_URL.startswith("https://"):
    raise ImproperlyConfigured(
        "SITE_URL must be the site's https:// address in production (links in alert e-mails)"
    )
# Character widths of the badge's text (Verdana 11px, from npm anafanafo); no font is fetched.
BADGE_WIDTH_TABLE_PATH = Path(
    env(
        "BADGE_WIDTH_TABLE_PATH",
        str(BASE_DIR / "node_modules/anafanafo/data/verdana-11px-normal.json"),
    )
)
BADGE_CACHE_SECONDS = envint("BADGE_CACHE_SECONDS", "60")  # badge body and Cache-Control
FEED_CACHE_SECONDS = envint("FEED_CACHE_SECONDS", "60")  # Atom feeds, same
FEED_MAX_ENTRIES = envint("FEED_MAX_ENTRIES", "50")  # latest events in a feed
COMPARE_DATA_PATH = Path(env("COMPARE_DATA_PATH", str(BASE_DIR / "data" / "backing-models.json")))
# Subscribe requests per client network and per address (django-ratelimit rate).
ALERTS_SUBSCRIBE_RATE = env("ALERTS_SUBSCRIBE_RATE", "5/h")
# A confirmation link is valid this long; unconfirmed subscriptions are pruned after it.
ALERTS_CONFIRM_DAYS = envint("ALERTS_CONFIRM_DAYS", "7")
# A delivery claimed by a worker that died is sent again after this long (longer than the
# send task's hard time limit, so a live worker's claim is never taken over).
ALERTS_DELIVERY_LEASE_SECONDS = envint("ALERTS_DELIVERY_LEASE_SECONDS", "600")
ALERTS_RETRY_SECONDS = envint("ALERTS_RETRY_SECONDS", "60")  # beat: re-queue unsent deliveries
# Records of sent deliveries (which address got which event) are kept this long (days).
ALERTS_DELIVERY_RETENTION_DAYS = envint("ALERTS_DELIVERY_RETENTION_DAYS", "30")
CELERY_BEAT_SCHEDULE["alerts-retry-deliveries"] = {
    "task": "alerts.retry_deliveries",
    "schedule": float(ALERTS_RETRY_SECONDS),
    "options": {"expires": float(ALERTS_RETRY_SECONDS)},
}
CELERY_BEAT_SCHEDULE["alerts-prune-unconfirmed"] = {
    "task": "alerts.prune_unconfirmed",
    "schedule": float(RETENTION_PRUNE_SECONDS),
}

# --- Portfolio (apps.portfolio): what approved investors' verified wallets hold ---
# Beat reads every verified wallet on every chain with a node this often (a wallet is also
# read as soon as it is verified).
PORTFOLIO_REFRESH_SECONDS = envint("PORTFOLIO_REFRESH_SECONDS", "300")
CELERY_BEAT_SCHEDULE["portfolio-refresh-all"] = {
    "task": "portfolio.refresh_all",
    "schedule": float(PORTFOLIO_REFRESH_SECONDS),
    "options": {"expires": float(PORTFOLIO_REFRESH_SECONDS)},
}

# Checks that do not apply here. django-ratelimit and django-axes warn about any cache they do
# not list: Django's own RedisCache increments atomically; the development default (a folder,
# whose counters are not atomic) is refused in production above.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
if not CACHE_URL:
    SILENCED_SYSTEM_CHECKS += ["django_ratelimit.E003", "axes.W001"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # Node and vendor URLs may carry keys: every line written is cut to scheme://host[:port].
    "filters": {"scrub_urls": {"()": "apps.core.redaction.ScrubUrlsFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["scrub_urls"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # The Solana client's HTTP library logs every request at INFO.
        "httpx2": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        # django-axes logs every successful log-in at INFO; failures stay at WARNING.
        "axes": {"level": "WARNING"},
        # web3 and urllib3 log the endpoint (with its key) and the path of every request.
        "web3": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},
    },
}
