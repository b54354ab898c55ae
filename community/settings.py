"""Settings for the whole project, read from environment variables.

With no variables set this is the embedded profile that `make run` uses: SQLite, a filesystem broker for
Celery, email on the console. DATABASE_URL, REDIS_URL, EMAIL_URL, SECRET_KEY, ALLOWED_HOSTS and DEBUG
switch to a real deployment; `.env.example` lists every variable. A malformed value stops start-up with
a message that names the variable (community/env.py).
"""

from pathlib import Path

from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _
from whitenoise.compress import Compressor

from community.env import (
    env_bool,
    env_choice,
    env_database,
    env_email,
    env_int,
    env_list,
    env_redis_url,
    env_required,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", True)

if DEBUG:
    SECRET_KEY = env_str("SECRET_KEY", "embedded-profile-only-never-in-production-8f2c1d7a9e")
else:
    SECRET_KEY = env_required("SECRET_KEY", "a long random string is required when DEBUG is false")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

COMMUNITY_NAME = env_str("COMMUNITY_NAME", "Commons")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",  # the form renderer finds our templates and Django's through TEMPLATES
    "allauth",
    "allauth.account",
    "django_htmx",
    "django_celery_beat",
    "csp",
    "privacy",
    "members",
    "content",
    "moderation",
    "community",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "privacy.middleware.AccessLogMiddleware",
    "members.middleware.MemberLanguageMiddleware",
    "members.middleware.MemberActivityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "community.urls"
WSGI_APPLICATION = "community.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "community.context_processors.site",
                "privacy.context_processors.deletion_pending",
            ],
        },
    },
]
FORM_RENDERER = "community.forms.SiteFormRenderer"

# --- Database -------------------------------------------------------------------------------------
_database = env_database("DATABASE_URL")
if _database is None:
    # The embedded profile: WAL lets the web process read while the worker writes, and IMMEDIATE
    # transactions take the write lock at BEGIN, so two processes never deadlock upgrading a read lock.
    _database = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR_DIR / "community.sqlite3",
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }
else:
    _database["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0)
    _database["CONN_HEALTH_CHECKS"] = True
    if _database["ENGINE"].endswith("postgresql"):
        # JIT compilation cost most of the trust recompute's time on 100k posts, and a random page
        # cost for SSDs lets the planner use id lookups (docs/performance/indexes.md).
        _database.setdefault("OPTIONS", {})["options"] = "-c jit=off -c random_page_cost=1.1"
        # A database host that hangs (frozen, unreachable, a dead proxy) must cost a request seconds and
        # the clean 503, not hold a web worker until gunicorn kills it (tests/reliability, R4).
        _database["OPTIONS"].setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 2, minimum=1))
    # Lets two test runs share one PostgreSQL server without sharing a test database.
    _database["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME", f"test_{_database['NAME']}")}
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, sessions, rate limits, Celery broker --------------------------------------------
REDIS_URL = env_redis_url("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            # a Redis outage reads as cache misses instead of errors (community/redis_outage.py)
            "BACKEND": "community.redis_outage.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "community",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 2.0},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery ------------------------------------------------------------------------------------
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's filesystem transport needs no server: the web process, worker and beat of `make run`
    # exchange messages as files in one folder.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # How long an unacknowledged (acks_late) message waits before Redis hands it to another worker.
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1),
    }
CELERY_BROKER_CONNECTION_TIMEOUT = 2

# --- Email --------------------------------------------------------------------------------------
_email = env_email("EMAIL_URL") or {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
for _key, _value in _email.items():
    if _value not in (None, ""):
        globals()[_key] = _value
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"{COMMUNITY_NAME} <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Who members can write to about the community; named in every email, promotional ones above all
# (LEGAL L13: the sender and its contact).
CONTACT_EMAIL = env_str("CONTACT_EMAIL", DEFAULT_FROM_EMAIL)

# --- Accounts -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "members.Member"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_SIGNUP_FORM_CLASS = "members.signup.SignupDetailsForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{COMMUNITY_NAME}] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
ACCOUNT_ADAPTER = "members.adapter.MemberAccountAdapter"
ACCOUNT_USER_DISPLAY = str  # Member.__str__ is the display name
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, written out so operators can see and tune them in one place.
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
}
UNVERIFIED_SIGNUP_KEEP_DAYS = env_int("UNVERIFIED_SIGNUP_KEEP_DAYS", 7, minimum=1)
AGE_PROFILE = env_choice(
    "AGE_PROFILE", "cn", ["cn", "eu"]
)  # L5: "cn" (a guardian under 14) or "eu" (the EU age below)
EU_DIGITAL_CONSENT_AGE = env_int("EU_DIGITAL_CONSENT_AGE", 16, minimum=13, maximum=16)  # 13-16 (GDPR 8)

# --- Participation limits (LEGAL L21: newcomers are rate-limited) --------------------------------
# Per trust level: posts and comments per window, and links allowed in one post.
POSTING_LIMITS = {
    0: {"posts": "3/day", "comments": "10/day", "links_per_post": 2},
    1: {"posts": "10/day", "comments": "50/day", "links_per_post": 5},
    2: {"posts": "30/day", "comments": "200/day", "links_per_post": 20},
    3: {"posts": "100/day", "comments": "500/day", "links_per_post": 50},
}
DUPLICATE_WINDOW_HOURS = 24
# moderation's automatic rules (moderation/rules.py): a trust-level-0 member's first posts wait for a
# moderator (L21), and this many reports from members of trust level 2+ hide the content until reviewed
MODERATION_PREMODERATE_FIRST_POSTS = env_int("MODERATION_PREMODERATE_FIRST_POSTS", 2, minimum=0)
MODERATION_FLAG_THRESHOLD = env_int("MODERATION_FLAG_THRESHOLD", 3, minimum=1)

# --- Delivery (content/delivery): the global send rate and each member's default budget -----------
DELIVERY_RATE = env_str("DELIVERY_RATE", "20/second")  # the mail provider's limit, across all workers
DELIVERY_DAILY_CAP = env_int("DELIVERY_DAILY_CAP", 3, minimum=0)
DELIVERY_QUIET_START = 22  # quiet hours in the member's time zone: 22:00-08:00
DELIVERY_QUIET_END = 8
DELIVERY_DIGEST_HOUR = 8
DELIVERY_MAX_ATTEMPTS = env_int("DELIVERY_MAX_ATTEMPTS", 5, minimum=1)
# transactional email (notices) skips the budget but not this ceiling per member and day, against abuse
DELIVERY_TRANSACTIONAL_CEILING = env_int("DELIVERY_TRANSACTIONAL_CEILING", 20, minimum=1)
# a claimed email stays with its worker this long; a killed worker's rows are claimable after it
DELIVERY_LEASE_SECONDS = env_int("DELIVERY_LEASE_SECONDS", 300, minimum=1)
# recipients planned per transaction (content.delivery.planner); the fault tests make it small so a
# worker can be killed in the middle of a fan-out
DELIVERY_PLAN_BATCH = env_int("DELIVERY_PLAN_BATCH", 1000, minimum=1)
# the relay re-publishes outbox rows still unplanned this long after their commit
DELIVERY_RELAY_AFTER_SECONDS = env_int("DELIVERY_RELAY_AFTER_SECONDS", 60, minimum=1)

# --- Trust levels (members/trust.py recomputes them daily) ---------------------------------------
# A level is reached when every number is met; max_upheld_reports counts the last 90 days.
TRUST_LEVEL_THRESHOLDS = {
    1: {"days_active": 2, "contributions": 1, "reactions_received": 0},
    2: {"days_active": 10, "contributions": 10, "reactions_received": 5},
    3: {"days_active": 30, "contributions": 50, "reactions_received": 30, "max_upheld_reports": 0},
}

# --- Languages and time ---------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static files -------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Hashed, compressed file names for deployments. The test server serves static files through Django's
# finders, which know only the unhashed names, so the tests turn this off (and one test builds the
# manifest to prove it works).
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Source maps are fetched only by a developer's browser tools, and the API docs' bundles ship 13 MB of
# them: compressing them twice (gzip and brotli at its highest level) was most of collectstatic's time.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"

# --- Security -------------------------------------------------------------------------------------
# HTTPS defaults follow DEBUG; a deployment behind a TLS-terminating proxy keeps them on and sets
# SECURE_PROXY_SSL_HEADER, a local test server over plain HTTP turns HTTPS off.
HTTPS = env_bool("HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the container health check asks over plain HTTP
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# allauth's per-address limits (sign-in, signup) read the client's address as ours do
# (privacy.access_log.client_ip): behind the TLS proxy, one hop from the right of X-Forwarded-For;
# without this every visitor would share the proxy's address and its bucket
ALLAUTH_TRUSTED_PROXY_COUNT = 1 if env_bool("BEHIND_TLS_PROXY", False) else 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        # No inline script and no inline style anywhere: htmx is a static file and its indicator
        # styles are turned off (templates/base.html), so 'self' is enough.
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# --- REST API (DRF, OpenAPI) — owned by the api topic ---------------------------------------------
# /api/v1/ (community/api_urls.py): the same services and selectors as the pages, so the same
# permissions and posting limits. Errors are always {"error": {...}} (community.api.exception_handler).
INSTALLED_APPS += [
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc as local static files: no CDN
]
REST_FRAMEWORK = {
    # Token first: an anonymous request then gets 401 with `WWW-Authenticate: Token`, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",  # enforces CSRF for the browser
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    # Protects the servers; how often a member may post comes from the services (POSTING_LIMITS).
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "60/min"),
        "user": env_str("API_THROTTLE_USER", "300/min"),
        "auth_token": env_str("API_THROTTLE_AUTH_TOKEN", "5/min"),  # password guessing
    },
    "EXCEPTION_HANDLER": "community.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": f"{COMMUNITY_NAME} API",
    "DESCRIPTION": "Spaces, posts, comments, reactions, events and member settings. "
    "Sign in with a session (and CSRF token) or `Authorization: Token <key>` from /api/v1/auth/token/. "
    "Create endpoints accept an `Idempotency-Key` header: a retried request with the same key (within 24 "
    "hours, per member) returns the first answer instead of creating twice.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "PREPROCESSING_HOOKS": ["community.api.schema_split_routes"],
    "ENUM_NAME_OVERRIDES": {
        "ContentStatusEnum": "content.models.ContentStatus",
        "RSVPStatusEnum": "content.models.RSVPStatus",
        "MembershipStatusEnum": "content.models.MembershipStatus",
        "MembershipRoleEnum": "content.models.MembershipRole",
        "NotificationLevelEnum": "content.models.NotificationLevel",
        "PostKindEnum": "content.models.PostKind",
        "ReactionKindEnum": "content.models.ReactionKind",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
