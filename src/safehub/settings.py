"""Safehub settings, read from environment variables.

Embedded default: SQLite under var/, a secret key generated and kept under var/, debug off.
Production mode (SAFEHUB_PRODUCTION=1) requires SAFEHUB_SECRET_KEY and SAFEHUB_ALLOWED_HOSTS and turns on
HTTPS-only cookies and HSTS, so that `manage.py check --deploy` is clean.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent.parent


def env_str(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name, default):
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


VAR_DIR = Path(env_str("SAFEHUB_VAR_DIR", str(PROJECT_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

PRODUCTION = env_bool("SAFEHUB_PRODUCTION")
DEBUG = env_bool("SAFEHUB_DEBUG") and not PRODUCTION


def _secret_key():
    key = env_str("SAFEHUB_SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("SAFEHUB_SECRET_KEY must be set in production mode.")
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("SAFEHUB_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("SAFEHUB_ALLOWED_HOSTS must be set in production mode.")

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "safehub.accounts",
    "safehub.access",
    "safehub.audit",
    "safehub.intake",
    "safehub.screening",
    "safehub.cases",
    "safehub.demo",
    "safehub.linking",
    "safehub.intelligence",
    "safehub.insights",
    "safehub.support",
    "safehub.backup",
    "safehub.retention",
    "safehub.background",
    "safehub.federation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "safehub.middleware.NeverCachePagesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "safehub.languages.PublicLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "safehub.accounts.middleware.ProviderRecheckMiddleware",
    "safehub.access.middleware.AccessSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "safehub.urls"
WSGI_APPLICATION = "safehub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "safehub.intake.context.signposting",
                "safehub.languages.switcher",
                "safehub.screening.context.queue_counts",
            ],
        },
    },
]

DEFAULT_DATABASE_URL = f"sqlite:///{VAR_DIR / 'safehub.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(env_str("SAFEHUB_DATABASE_URL", DEFAULT_DATABASE_URL), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions and WAL let concurrent requests queue for the write lock instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Audit chains side by side, each with its own lock (ADR 22). SQLite has one write lock whatever we do: one chain.
SAFEHUB_AUDIT_SHARDS = env_int("SAFEHUB_AUDIT_SHARDS",
                               1 if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" else 8)
# A kept connection is checked before a request reuses it, so the first request after PostgreSQL restarted
# reconnects instead of failing on the dead connection (bench/faults.py).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"

# Lockout: five failures (password or second factor) lock the account and client for an hour.
AXES_FAILURE_LIMIT = env_int("SAFEHUB_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address", "user_agent"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# Sessions expire after 30 idle minutes and when the browser closes.
SESSION_COOKIE_AGE = env_int("SAFEHUB_SESSION_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "safehub.views.csrf_failure"

OTP_TOTP_ISSUER = "Safehub"

# Single sign-on through agencies' OpenID Connect providers (ADR 26): how often a signed-in person is checked
# again at their provider, the clock skew allowed on ID tokens, and how long to wait for a provider.
SAFEHUB_OIDC_RECHECK_SECONDS = env_int("SAFEHUB_OIDC_RECHECK_SECONDS", 300)
SAFEHUB_OIDC_LEEWAY_SECONDS = env_int("SAFEHUB_OIDC_LEEWAY_SECONDS", 60)
SAFEHUB_OIDC_TIMEOUT_SECONDS = env_int("SAFEHUB_OIDC_TIMEOUT_SECONDS", 10)

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SAFEHUB_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # Behind the reverse proxy (docs/deploying.md), which sets X-Forwarded-Proto; the health probes answer
    # plain HTTP on the server's own address.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# The site's own https origin(s) when the proxy's host name differs from what the browser sends, e.g.
# https://safehub.example.org (comma-separated).
CSRF_TRUSTED_ORIGINS = env_list("SAFEHUB_CSRF_TRUSTED_ORIGINS", [])

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# The public side speaks these languages (ADR 27); staff pages stay in English. Each language's review state is in
# safehub/languages.py and its .po header. SAFEHUB_PUBLIC_LANGUAGES narrows the list (English is always offered).
LANGUAGE_CODE = "en-gb"
ALL_PUBLIC_LANGUAGES = [
    ("en-gb", "English"),
    ("cy", "Welsh"),
    ("pl", "Polish"),
    ("ur", "Urdu"),
    ("pa", "Punjabi"),
    ("ro", "Romanian"),
    ("ar", "Arabic"),
]
_offered = set(env_list("SAFEHUB_PUBLIC_LANGUAGES", [code for code, _ in ALL_PUBLIC_LANGUAGES])) | {"en-gb"}
LANGUAGES = [(code, name) for code, name in ALL_PUBLIC_LANGUAGES if code in _offered]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "safehub_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Production serves the files `safehub collectstatic` gathered under var/static, compressed (gzip, Brotli) and
# with content hashes in their names so browsers keep them for a year; the embedded default reads them where
# they are.
WHITENOISE_USE_FINDERS = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "safehub.storage.StaticStorage" if PRODUCTION
                    else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Background work (ADR 20): django-tasks with its database backend, so no broker is needed; `safehub worker`
# runs the tasks and `safehub scheduler` enqueues the jobs of safehub/schedule.py.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# A worker not seen for this long is gone: /readyz says so and its running task is queued again.
SAFEHUB_WORKER_STALE_SECONDS = env_int("SAFEHUB_WORKER_STALE_SECONDS", 60)
# How much lower than the web server's the worker's CPU priority is (`nice`): under a surge of reports the front
# door is answered first and the worker files and links what it accepted as the surge allows (ADR 35).
SAFEHUB_WORKER_NICE = env_int("SAFEHUB_WORKER_NICE", 10)

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if env_str("SAFEHUB_REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env_str("SAFEHUB_REDIS_URL")}}
elif env_bool("SAFEHUB_DATABASE_CACHE"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "safehub_cache"}}

# The public's report drafts (ADR 22): shared by every server process, so not the per-process memory cache.
SAFEHUB_DRAFT_SECONDS = env_int("SAFEHUB_DRAFT_SECONDS", 3 * 3600)
if env_str("SAFEHUB_REDIS_URL"):
    CACHES["drafts"] = {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                        "LOCATION": env_str("SAFEHUB_REDIS_URL"), "KEY_PREFIX": "safehub"}
else:
    CACHES["drafts"] = {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                        "LOCATION": str(VAR_DIR / "drafts"), "OPTIONS": {"MAX_ENTRIES": 100_000}}

EMAIL_BACKEND = env_str("SAFEHUB_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("SAFEHUB_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("SAFEHUB_EMAIL_PORT", 25)
EMAIL_USE_TLS = env_bool("SAFEHUB_EMAIL_USE_TLS")
EMAIL_HOST_USER = env_str("SAFEHUB_EMAIL_USER")
EMAIL_HOST_PASSWORD = env_str("SAFEHUB_EMAIL_PASSWORD")
EMAIL_FILE_PATH = env_str("SAFEHUB_EMAIL_FILE_PATH", str(VAR_DIR / "mail"))  # for the file backend
DEFAULT_FROM_EMAIL = env_str("SAFEHUB_FROM_EMAIL", "safehub@example.invalid")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["safehub.accounts.api_auth.AgencySystemTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "safehub.api.SafehubAutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],  # the schema documents JSON bodies only
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "EXCEPTION_HANDLER": "safehub.api.exception_handler",
}
# Person matching bands (match probability): auto-link at or above the first, needs review at or above the second.
SAFEHUB_LINK_AUTO_PROBABILITY = float(os.environ.get("SAFEHUB_LINK_AUTO_PROBABILITY", "0.99"))
SAFEHUB_LINK_REVIEW_PROBABILITY = float(os.environ.get("SAFEHUB_LINK_REVIEW_PROBABILITY", "0.5"))
# `link csv --engine spark` and `link train --engine spark`: the Spark master (local[N] or a cluster's URL) and
# where Splink writes its intermediate tables (on a cluster: storage every executor reaches, e.g. hdfs://...).
SAFEHUB_SPARK_MASTER = env_str("SAFEHUB_SPARK_MASTER", "local[2]")
SAFEHUB_SPARK_CHECKPOINT_DIR = env_str("SAFEHUB_SPARK_CHECKPOINT_DIR", str(VAR_DIR / "spark"))
# Any other Spark settings for those runs, as key=value pairs separated by ';' (e.g. executor memory).
SAFEHUB_SPARK_CONF = env_str("SAFEHUB_SPARK_CONF", "")
# A selector whose records fall into this many otherwise separate groups is a hub: shown, never followed.
SAFEHUB_NETWORK_HUB_GROUPS = env_int("SAFEHUB_NETWORK_HUB_GROUPS", 10)
# After new mentions the worker recomputes the networks this many seconds later (a burst of reports: once).
SAFEHUB_NETWORK_UPKEEP_DELAY_SECONDS = env_int("SAFEHUB_NETWORK_UPKEEP_DELAY_SECONDS", 10)

SPECTACULAR_SETTINGS = {
    "TITLE": "Safehub API",
    "DESCRIPTION": "Professional referrals, children, exploitation cases, risk screenings, plan actions and "
                   "meetings; operations with their disruption measures and justice steps; for partner agency "
                   "systems. Token per agency system.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Requests get their own components, so a request field can say what it needs (at least one character)
    # without a stored record that predates a rule breaking the response schema.
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"OperationStatusEnum": "safehub.intelligence.models.Operation.Status"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("SAFEHUB_LOG_LEVEL", "WARNING")},
}

# --- Safehub's own settings ---------------------------------------------------------------------

# The agency whose front door (MASH) screens every public report and referral.
SAFEHUB_FRONT_DOOR_AGENCY = env_str("SAFEHUB_FRONT_DOOR_AGENCY", "COUNCIL")
SAFEHUB_AREA_NAME = env_str("SAFEHUB_AREA_NAME", "Wrekinshire")

# Public form: submissions per client address per window, and the longest free text.
SAFEHUB_PUBLIC_SUBMISSIONS_PER_WINDOW = env_int("SAFEHUB_PUBLIC_SUBMISSIONS_PER_WINDOW", 10)
SAFEHUB_PUBLIC_PAGES_PER_WINDOW = env_int("SAFEHUB_PUBLIC_PAGES_PER_WINDOW", 600)
SAFEHUB_RATE_WINDOW_SECONDS = env_int("SAFEHUB_RATE_WINDOW_SECONDS", 3600)
SAFEHUB_MAX_TEXT = 10_000
# A reporter coming back with reference and passphrase: wrong passphrases allowed for one reference from one
# client before that reference is locked for that client, for how long; attempts per client per window (any
# reference), so that references cannot be tried one after another.
SAFEHUB_PASSPHRASE_ATTEMPTS = env_int("SAFEHUB_PASSPHRASE_ATTEMPTS", 5)
SAFEHUB_PASSPHRASE_LOCK_SECONDS = env_int("SAFEHUB_PASSPHRASE_LOCK_SECONDS", 3600)
SAFEHUB_RETURN_ATTEMPTS_PER_WINDOW = env_int("SAFEHUB_RETURN_ATTEMPTS_PER_WINDOW", 20)
# Number of reverse proxies in front of Safehub whose X-Forwarded-For entries are trusted.
SAFEHUB_TRUSTED_PROXIES = env_int("SAFEHUB_TRUSTED_PROXIES", 0)

# Working-day calendar: bank holidays of this country and subdivision (python-holidays), plus extra
# closure days (comma-separated ISO dates) and days that are worked despite being holidays.
SAFEHUB_CALENDAR_COUNTRY = env_str("SAFEHUB_CALENDAR_COUNTRY", "GB")
SAFEHUB_CALENDAR_SUBDIVISION = env_str("SAFEHUB_CALENDAR_SUBDIVISION", "ENG")
SAFEHUB_EXTRA_CLOSED_DAYS = env_list("SAFEHUB_EXTRA_CLOSED_DAYS", [])
SAFEHUB_WORKED_HOLIDAYS = env_list("SAFEHUB_WORKED_HOLIDAYS", [])

# BRAG priority: hours allowed for partner checks (Blue has none).
SAFEHUB_PRIORITY_HOURS = {"red": 2, "amber": 6, "green": 24}

# An operation's lead sees the disruption measures that end within this many days, or whose review falls due
# within the second number of days (or is overdue).
SAFEHUB_DISRUPTION_ENDING_DAYS = env_int("SAFEHUB_DISRUPTION_ENDING_DAYS", 14)
SAFEHUB_DISRUPTION_REVIEW_DAYS = env_int("SAFEHUB_DISRUPTION_REVIEW_DAYS", 7)

# Where DejaVu Sans is, for PDFs that write every name as it is spelt (Debian's fonts-dejavu-core).
SAFEHUB_PDF_FONT_DIR = env_str("SAFEHUB_PDF_FONT_DIR", "/usr/share/fonts/truetype/dejavu")

# Support services a plan can hold (key, label); the list is the area's, override with a JSON file of pairs.
SAFEHUB_SUPPORT_SERVICES_FILE = env_str("SAFEHUB_SUPPORT_SERVICES_FILE", "")
SAFEHUB_SUPPORT_SERVICES = [
    ("isva", "Independent sexual violence adviser (ISVA)"),
    ("camhs", "Child and adolescent mental health services (CAMHS)"),
    ("sexual_health", "Sexual health"),
    ("youth_work", "Youth work"),
    ("education", "Education support"),
    ("housing", "Housing"),
    ("specialist_charity", "Specialist exploitation charity"),
    ("counselling", "Counselling for adult survivors"),
]
if SAFEHUB_SUPPORT_SERVICES_FILE:
    import json as _json

    with open(SAFEHUB_SUPPORT_SERVICES_FILE, encoding="utf-8") as _handle:
        SAFEHUB_SUPPORT_SERVICES = [tuple(pair) for pair in _json.load(_handle)]

# Routes shown to the public ("who else you can contact"). Override with a JSON file.
SAFEHUB_SIGNPOSTING_FILE = env_str("SAFEHUB_SIGNPOSTING_FILE", "")

# Published figures (`safehub.insights.disclosure`): counts from 1 to SUPPRESS_BELOW - 1 are withheld ("[c]"),
# with secondary suppression; visible counts are rounded to the nearest ROUND_TO (1: not rounded).
SAFEHUB_FIGURES_SUPPRESS_BELOW = env_int("SAFEHUB_FIGURES_SUPPRESS_BELOW", 5)
SAFEHUB_FIGURES_ROUND_TO = env_int("SAFEHUB_FIGURES_ROUND_TO", 1)

# Retention (`safehub.retention`, ADR 25): review schedules by record group. A group's first review falls
# `review_after_years` after the record's date, or on the child's birthday of `until_age`; after a decision to
# retain, the next falls `review_every_years` later unless the reviewer names a date. Police records follow the
# MoPI pattern (College of Policing APP, Management of Police Information); the council's children's social care
# records are kept until the child's 75th birthday. Override with SAFEHUB_RETENTION_FILE (JSON of the same
# shape), e.g. a council whose schedule keeps contacts with no further action for 6 years.
SAFEHUB_RETENTION_GROUPS = {
    "mopi_1": {"label": "MoPI group 1: certain public protection matters",
               "review_after_years": 10, "review_every_years": 10},
    "mopi_2": {"label": "MoPI group 2: other sexual, violent or serious offences",
               "review_after_years": 10, "review_every_years": 10},
    "mopi_3": {"label": "MoPI group 3: all other offences, after a 6-year clear period",
               "review_after_years": 6, "review_every_years": 6},
    "childrens_social_care": {"label": "Children's social care: until the child's 75th birthday",
                              "until_age": 75, "review_every_years": 5},
}
# Which group a record falls in: intelligence items (child sexual exploitation is a public protection matter);
# reports owned by the police, with a response and with none (no further action or advice only); reports owned
# by anyone else (the council's front door, health, schools) are children's social care records.
SAFEHUB_RETENTION_INTELLIGENCE_GROUP = env_str("SAFEHUB_RETENTION_INTELLIGENCE_GROUP", "mopi_1")
SAFEHUB_RETENTION_POLICE_REPORT_GROUP = env_str("SAFEHUB_RETENTION_POLICE_REPORT_GROUP", "mopi_2")
SAFEHUB_RETENTION_POLICE_NFA_GROUP = env_str("SAFEHUB_RETENTION_POLICE_NFA_GROUP", "mopi_3")
SAFEHUB_RETENTION_PARTNER_REPORT_GROUP = env_str("SAFEHUB_RETENTION_PARTNER_REPORT_GROUP", "childrens_social_care")
SAFEHUB_RETENTION_FILE = env_str("SAFEHUB_RETENTION_FILE", "")
if SAFEHUB_RETENTION_FILE:
    import json as _json

    with open(SAFEHUB_RETENTION_FILE, encoding="utf-8") as _handle:
        SAFEHUB_RETENTION_GROUPS = _json.load(_handle)

# Asking other areas (`safehub.federation`, ADR 30): this partnership's code, the federation's keys (key id ->
# secret; encodings are made under `key_id`), its partners ({code: {name, url, secret, answer}}: `answer` false
# refuses that partner), the duty analyst named in answers, seconds to wait for each partner, and the Dice score
# at or above which a person's encoding matches. A JSON file of that object; none: no partners, nothing asked.
SAFEHUB_FEDERATION_FILE = env_str("SAFEHUB_FEDERATION_FILE", "")
SAFEHUB_FEDERATION = {}
if SAFEHUB_FEDERATION_FILE:
    import json as _json

    with open(SAFEHUB_FEDERATION_FILE, encoding="utf-8") as _handle:
        SAFEHUB_FEDERATION = _json.load(_handle)
