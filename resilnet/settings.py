"""Django settings. Every value a deployment changes comes from `resilnet.config`."""

import os

from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from resilnet.config import BASE_DIR, development_secret_key, load

CONFIG = load(os.environ)

VAR_DIR = CONFIG["RESILNET_VAR_DIR"]
DEBUG = CONFIG["RESILNET_DEBUG"]
SECRET_KEY = CONFIG["RESILNET_SECRET_KEY"] or development_secret_key(VAR_DIR)
ALLOWED_HOSTS = CONFIG["RESILNET_ALLOWED_HOSTS"]
CSRF_TRUSTED_ORIGINS = CONFIG["RESILNET_CSRF_TRUSTED_ORIGINS"]
TRUSTED_PROXIES = CONFIG["RESILNET_TRUSTED_PROXIES"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "resilnet.core.staticfiles.StaticFilesConfig",  # django.contrib.staticfiles
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "resilnet.core",
    "resilnet.catalog",
    "resilnet.schools",
    "resilnet.alerts",
    "resilnet.planning",
]

MIDDLEWARE = [
    "resilnet.core.middleware.RequestIdMiddleware",
    "resilnet.core.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files: compressed ahead of time
    # Below WhiteNoise (which answers static files itself) and above everything that
    # writes a body: pages, API answers and feeds leave gzipped.
    "resilnet.core.middleware.CompressionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "resilnet.urls"
WSGI_APPLICATION = "resilnet.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "resilnet.core.context_processors.shell",
            ],
        },
    },
]

# Database: SQLite in WAL mode under VAR_DIR unless RESILNET_DATABASE_URL says otherwise.
_database = CONFIG["RESILNET_DATABASE_URL"] or {
    "ENGINE": "django.db.backends.sqlite3",
    "NAME": str(VAR_DIR / "resilnet.sqlite3"),
}
if _database["ENGINE"] == "django.db.backends.sqlite3":
    _database["OPTIONS"] = {
        # WAL lets the web server read while the worker writes; IMMEDIATE avoids
        # "database is locked" on lock upgrades inside transactions.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA cache_size=-65536;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": CONFIG["RESILNET_DB_LOCK_TIMEOUT"],
    }
    # Tests run on a WAL file like the product: SQLite's in-memory shared cache
    # answers a concurrent writer with "table is locked" at once instead of waiting.
    _database["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks_db.DatabaseBackend"
            if CONFIG["RESILNET_TASK_BACKEND"] == "database"
            else "django_tasks.backends.immediate.ImmediateBackend"
        ),
    }
}

# Users, passwords, sign-in
AUTH_USER_MODEL = "core.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "resilnet.core.auth.ThrottledModelBackend",
    "resilnet.core.auth.OwnerDraftBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
_engine = CONFIG["RESILNET_SEARCH_ENGINE"]
SEARCH_ENGINE = (
    ("segments" if _database["ENGINE"] == "django.db.backends.sqlite3" else "database")
    if _engine == "auto"
    else _engine
)
LOGIN_MAX_FAILURES = CONFIG["RESILNET_LOGIN_MAX_FAILURES"]
LOGIN_LOCKOUT_MINUTES = CONFIG["RESILNET_LOGIN_LOCKOUT_MINUTES"]

# The six official languages of the United Nations.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("ar", _("Arabic")),
    ("zh-hans", _("Chinese")),
    ("en", _("English")),
    ("fr", _("French")),
    ("ru", _("Russian")),
    ("es", _("Spanish")),
]
LOCALE_PATHS = [BASE_DIR / "resilnet" / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing root
# Front-end packages come from npm (package.json + lockfile) and are served from
# node_modules under a stable prefix; nothing third-party is copied into the repository.
STATICFILES_DIRS = [
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/maplibre-gl", BASE_DIR / "node_modules" / "maplibre-gl" / "dist"),
    ("vendor/topojson-client", BASE_DIR / "node_modules" / "topojson-client" / "dist"),
    ("vendor/world-atlas", BASE_DIR / "node_modules" / "world-atlas"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            # Hashed names cached for a year, .gz and .br beside them (resilnet/core/staticfiles.py)
            else "resilnet.core.staticfiles.HashedStaticFilesStorage"
        )
    },
}
# Without DEBUG, WhiteNoise serves only what collectstatic put in STATIC_ROOT.
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = VAR_DIR / "media"

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# Security headers. Production behind TLS sets RESILNET_HTTPS=true.
HTTPS = CONFIG["RESILNET_HTTPS"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "resilnet.core.views.csrf_failure"
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# The schools map draws an optional base map from another host (empty: offline).
BASEMAP_URL = CONFIG["RESILNET_BASEMAP_URL"]
_basemap_origin = ["/".join(BASEMAP_URL.split("/", 3)[:3])] if BASEMAP_URL else []

# No inline script anywhere: every script is a file under /static/. MapLibre's CSP build
# starts its worker from a file of ours (worker-src 'self'), never from a blob: URL.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *_basemap_origin],
        "connect-src": [SELF, *_basemap_origin],
        "worker-src": [SELF],
        # Podcast episodes and videos play from wherever their records say they are.
        "media-src": [SELF, "https:"],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_PER_PAGE_SIZE = 500

METRICS_TOKEN = CONFIG["RESILNET_METRICS_TOKEN"]
PODCAST_OWNER_NAME = CONFIG["RESILNET_PODCAST_OWNER_NAME"]
PODCAST_OWNER_EMAIL = CONFIG["RESILNET_PODCAST_OWNER_EMAIL"]
PODCAST_IMAGE_URL = CONFIG["RESILNET_PODCAST_IMAGE_URL"]
CHROMIUM = CONFIG["RESILNET_CHROMIUM"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "resilnet.core.logs.JsonFormatter"},
    },
    "filters": {"request_id": {"()": "resilnet.core.logs.RequestIdFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": CONFIG["RESILNET_LOG_FORMAT"],
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": CONFIG["RESILNET_LOG_LEVEL"]},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
    },
}
