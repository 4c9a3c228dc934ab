"""Is a worker there to render a queued job?

The job page polls every second; when a job has waited longer than a few
seconds, it asks whether any worker answers a ping (celery's remote control,
as `manage.py check_worker` does through a task). The answer is kept in the
cache for a few seconds, so the polling page pings at most once in that time,
and nothing is written to the database: a GET stays a read.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone

from config.celery import app

from .models import DocumentJob, JobStatus

log = logging.getLogger(__name__)

# A job queued this long without being picked up is worth a look at the workers.
QUEUED_GRACE = timedelta(seconds=5)
# How long a ping waits for an answer (seconds); the request waits as long, once per CACHE_SECONDS.
PING_TIMEOUT = 1.0
CACHE_SECONDS = 10
CACHE_KEY = "suanbei:documents:worker-answers"


def _ping() -> bool:
    try:
        with app.connection_for_write() as connection:
            # A broker that does not answer is no worker either: fail fast, never retry for long.
            connection.ensure_connection(max_retries=1, interval_start=0, timeout=PING_TIMEOUT)
            replies = app.control.ping(timeout=PING_TIMEOUT, limit=1, connection=connection)
    except Exception as error:  # noqa: BLE001 - whatever the broker's error, no worker is reached
        log.warning("pinging the workers failed: %s", error)
        return False
    return bool(replies)


def worker_answers() -> bool:
    """True when at least one worker answered a ping in the last few seconds."""
    answered = cache.get(CACHE_KEY)
    if answered is None:
        answered = _ping()
        cache.set(CACHE_KEY, answered, CACHE_SECONDS)
    return answered


def waiting_without_worker(job: DocumentJob) -> bool:
    """The job has been queued for more than a few seconds and no worker answers."""
    if job.status != JobStatus.QUEUED:
        return False
    since = job.queued_at or job.created_at
    if since is None or timezone.now() - since < QUEUED_GRACE:
        return False
    return not worker_answers()
