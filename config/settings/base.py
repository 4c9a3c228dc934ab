"""Settings shared by every environment.

Every value that differs between machines comes from the environment
(see README "Configuration"); local.py, test.py and production.py only
override values, they add no settings of their own.
"""

from __future__ import annotations

from pathlib import Path

from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from config.env import env, env_bool, env_int, env_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# Where the embedded default keeps its database, broker queue and uploads.
VAR_DIR = Path(env.str("SUANBEI_VAR_DIR", default=str(BASE_DIR / "var"))).resolve()

# GENERAL
# ------------------------------------------------------------------------------
DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True
USE_I18N = True
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date format in the UI for every language: ISO 8601 (config/formats).
FORMAT_MODULE_PATH = ["config.formats"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

# APPS
# ------------------------------------------------------------------------------
DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
THIRD_PARTY_APPS = [
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_celery_beat",
    "simple_history",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "csp",
]
LOCAL_APPS = [
    "workspaces",
    "filings",
    "assessments",
    "registry",
    "workdays",
    "documents",
    "reviews",
    "demo",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "workspaces.middleware.IdleSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "workspaces.middleware.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # A view that found the database locked (after retrying) answers 503 + Retry-After.
    "config.database_busy.DatabaseBusyMiddleware",
]

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
                "workspaces.context_processors.workspaces",
            ],
        },
    }
]

# DATABASES
# ------------------------------------------------------------------------------
# DATABASE_URL switches to PostgreSQL; without it the embedded default is
# SQLite in WAL mode. IMMEDIATE transactions take the write lock at BEGIN,
# so two writers queue on the busy timeout instead of failing with
# "database is locked" half-way through a transaction.
DATABASE_URL = env_url("DATABASE_URL", schemes=("postgres", "postgresql", "pgsql", "sqlite"))
if DATABASE_URL:
    DATABASES = {"default": env.db_url_config(DATABASE_URL)}
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DJANGO_CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA busy_timeout=20000;"
                    "PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }

# CACHES
# ------------------------------------------------------------------------------
REDIS_URL = env_url("REDIS_URL", schemes=("redis", "rediss"))
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# AUTHENTICATION (django-allauth: README "Accounts")
# ------------------------------------------------------------------------------
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_ADAPTER = "workspaces.accounts.AccountAdapter"
# Sign in with the username or the email address. Sign-up asks for the email
# address only (the username is made from it): a username field would tell a
# stranger which names are taken.
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_FORMS = {"login": "workspaces.accounts.LoginForm"}
# Nobody signs in before confirming the address (the link is in the email;
# the console shows it in development). Addresses are stored in lowercase
# and a verified one belongs to one account only.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_MAX_EMAIL_ADDRESSES = 5
# Changing the second factor asks for the password (or the second factor) again.
ACCOUNT_REAUTHENTICATION_METHODS = ["password", "mfa"]
# Sign-up, sign-in and password reset answer the same whether or not an
# account exists; the mailbox owner learns the rest by email.
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
# Counted in the cache (Redis in production, this process's memory in the
# embedded default). "login_failed": 5 wrong passwords per account in 5
# minutes (and 10 a minute from one address) refuse every further attempt,
# the right password included, until the window has passed.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "confirm_email": "1/3m/key",
    "reauthenticate": "10/m/user",
}
# Rate limits per IP read the client's address from X-Forwarded-For when
# this many proxies stand in front (production.py: 1, the TLS proxy); with 0,
# REMOTE_ADDR. Wrong behind a proxy, every user would share the proxy's limit.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("SUANBEI_TRUSTED_PROXY_COUNT", 0)
# Second factor: an authenticator app (TOTP) or a security key (WebAuthn,
# allauth's own static JavaScript: nothing from outside), with recovery
# codes. Security keys are a second factor only, not a way to sign in
# without the password. Owners may require a second factor of every member
# of a workspace (Workspace.require_mfa).
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_TOTP_ISSUER = "Suanbei"
# The address of the site, for links in emails sent by the worker (no request there).
SUANBEI_SITE_URL = env_url("SUANBEI_SITE_URL", schemes=("http", "https")) or "http://127.0.0.1:8000"
SUANBEI_INVITATION_DAYS = env_int("SUANBEI_INVITATION_DAYS", 7, minimum=1)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# STATIC AND UPLOADED FILES
# ------------------------------------------------------------------------------
# Every CSS and JS file is served from our own static files: no CDN, so the
# product works inside China and offline.
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Attachments: the portal takes JPG/PNG/PDF scans; it publishes no size
# limit, so 10 MB is our inference, kept in configuration.
ATTACHMENT_MAX_BYTES = env_int("SUANBEI_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
# Workspace JSON imports (browser and command line).
SUANBEI_IMPORT_MAX_BYTES = env_int("SUANBEI_IMPORT_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# EMAIL
# ------------------------------------------------------------------------------
EMAIL_BACKEND = env.str(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Suanbei <noreply@localhost>")

# CELERY
# ------------------------------------------------------------------------------
# With REDIS_URL the broker is Redis; without it kombu's filesystem
# transport passes messages through a folder, so a real worker runs on a
# machine with nothing else installed.
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    BROKER_DIR = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (BROKER_DIR / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        "polling_interval": 0.1,
    }
# Tasks keep no results: a PDF job's state is its DocumentJob row. The one
# task whose answer is read is the worker ping (`manage.py check_worker`,
# filings.tasks.ping); it goes back through Redis, or through files under var/.
CELERY_TASK_IGNORE_RESULT = True
if REDIS_URL:
    CELERY_RESULT_BACKEND = REDIS_URL
else:
    (VAR_DIR / "results").mkdir(parents=True, exist_ok=True)
    CELERY_RESULT_BACKEND = f"file://{VAR_DIR / 'results'}"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
# Every task's limits (the tasks set none of their own), in seconds.
CELERY_TASK_TIME_LIMIT = env_int("SUANBEI_TASK_TIME_LIMIT", 5 * 60, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("SUANBEI_TASK_SOFT_TIME_LIMIT", 4 * 60, minimum=1)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Periodic tasks (seconds). The scheduler copies them into its tables at start.
CELERY_BEAT_SCHEDULE = {
    # Removes PDF files that a newer rendering of the same document replaced.
    "documents-cleanup-superseded": {"task": "documents.cleanup_superseded", "schedule": 15 * 60},
    # Sends again the PDF jobs of a worker that died, or whose message was lost.
    "documents-recover-stalled": {"task": "documents.recover_stalled", "schedule": 60},
    # Recomputes the algorithms' stored figures of an earlier day, or left stale (filings.figures).
    "filings-refresh-stale-figures": {"task": "filings.refresh_stale_figures", "schedule": 10 * 60},
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# VERSIONS
# ------------------------------------------------------------------------------
# Edits of one person to one algorithm within this many seconds of the first
# are one version (filings.versions); 0 records a version for every change.
SUANBEI_VERSION_BURST_SECONDS = env_int("SUANBEI_VERSION_BURST_SECONDS", 10 * 60)

# FILING DEADLINES
# ------------------------------------------------------------------------------
# A deadline is "due soon" from this many working days before it (workdays.deadlines).
SUANBEI_DUE_SOON_WORKDAYS = env_int("SUANBEI_DUE_SOON_WORKDAYS", 3)

# THIRD-PARTY UI
# ------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# SECURITY
# ------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
# A session ends after this long without a request (workspaces.middleware.
# IdleSessionMiddleware keeps an active one alive); a password change ends
# every other session of the account (Django's session hash).
SUANBEI_SESSION_IDLE_MINUTES = env_int("SUANBEI_SESSION_IDLE_MINUTES", 480, minimum=5)
SESSION_COOKIE_AGE = SUANBEI_SESSION_IDLE_MINUTES * 60
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# CONTENT SECURITY POLICY (django-csp)
# ------------------------------------------------------------------------------
# Scripts, styles, fonts and images come from our own static files only: no
# inline <script>, event handler (onsubmit=…) or style="…" attribute in any
# page (tests/config/test_csp.py reads every template for them); htmx
# runs without eval and without its injected indicator styles (base.html's
# htmx-config). data: images are Bootstrap's CSS icons (select arrows, check
# marks, the navbar toggler). Enforced here, so in production and in the
# tests (the browser tests fail on any violation); local.py only reports.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
CONTENT_SECURITY_POLICY_REPORT_ONLY = None

# LOGGING
# ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
}

# Names of the product shown in the UI.
SITE_NAME = _("Suanbei")
