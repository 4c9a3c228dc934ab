"""The production shape (docker-compose.yml): PostgreSQL, Redis, gunicorn behind TLS.

Only overrides: SECRET_KEY and ALLOWED_HOSTS must come from the environment.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASE_URL, REDIS_URL, SECRET_KEY, env, env_bool, env_int

DEBUG = False
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a random string of at least 50 characters"
    )
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
if not DATABASE_URL:
    raise ImproperlyConfigured("DATABASE_URL must be set in production (postgres://…)")
if not REDIS_URL:
    raise ImproperlyConfigured("REDIS_URL must be set in production (redis://…)")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# TLS terminates at the proxy in front of gunicorn, which sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# The TLS proxy in front of gunicorn appends the client's address to X-Forwarded-For.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("SUANBEI_TRUSTED_PROXY_COUNT", 1)
