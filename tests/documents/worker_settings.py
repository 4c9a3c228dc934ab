"""Settings of the Celery worker process that the document tests start.

The test settings, with what a separate process needs to share the test's
data: the test database by name (PostgreSQL's test database, or the SQLite
file the test copied its in-memory database to), the same media folder on
disk, and real (not eager) task execution.
"""

import os

from config.settings.test import *  # noqa: F403
from config.settings.test import DATABASES

CELERY_TASK_ALWAYS_EAGER = False
DATABASES["default"]["NAME"] = os.environ["SUANBEI_WORKER_DB_NAME"]
DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ["SUANBEI_WORKER_DB_NAME"]
MEDIA_ROOT = os.environ["SUANBEI_WORKER_MEDIA_ROOT"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# What the worker sends itself (jobs it recovers) goes to the test's queue too.
CELERY_TASK_ROUTES = {"documents.*": {"queue": os.environ["SUANBEI_WORKER_QUEUE"]}}
# The web server the browser test starts serves htmx and Bootstrap from the sources.
WHITENOISE_USE_FINDERS = True
