"""A database that is busy for a moment never shows the user an error page.

SQLite serialises writers: an IMMEDIATE transaction waits for the write lock
up to the busy timeout (config.settings.base) and then fails with "database
is locked"; PostgreSQL can end a transaction with a deadlock or a lock
timeout. Either way the transaction was rolled back whole, so it can simply
be run again:

- `retry_when_locked` runs a write (a service, or a view whose writes are one
  transaction) again a few times, after a short random pause, when it failed
  that way and no outer transaction is open. Inside an outer transaction the
  error goes up to whoever opened it: only the outermost block can start over.
- What is still busy after that is answered with 503 and Retry-After instead
  of a 500 (`DatabaseBusyMiddleware` for views, `server_error` as handler500
  for the middleware around them): the autosave (static/js/suanbei.js) keeps
  the input, says it is retrying, and sends it again after that many seconds.
"""

from __future__ import annotations

import functools
import logging
import random
import sys
import time

from django.db import OperationalError, transaction
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults

logger = logging.getLogger(__name__)

ATTEMPTS = 3  # the first try and two more
BACKOFF = 0.05  # seconds before the second try; doubled before each next one, with jitter
RETRY_AFTER = 2  # seconds the browser waits before sending a refused save again

# PostgreSQL: deadlock detected, lock not available (lock_timeout), serialization failure.
_BUSY_SQLSTATES = {"40P01", "55P03", "40001"}

sleep = time.sleep  # tests replace it to act between two tries


def is_busy(error: BaseException) -> bool:
    """The database refused the statement because another transaction holds a lock."""
    if not isinstance(error, OperationalError):
        return False
    if getattr(error.__cause__, "sqlstate", None) in _BUSY_SQLSTATES:
        return True
    message = str(error)
    return "database is locked" in message or "database table is locked" in message


def retry_when_locked(func):
    """Run `func` again when the database was busy, up to ATTEMPTS times in all.

    Only for code whose writes all happen in transactions it opens itself, so
    that a failed try left nothing behind.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return func(*args, **kwargs)
            except OperationalError as error:
                if (
                    not is_busy(error)
                    or attempt == ATTEMPTS
                    or transaction.get_connection().in_atomic_block
                ):
                    raise
                pause = BACKOFF * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)
                logger.info(
                    "%s: database busy (%s), try %d of %d in %.2f s",
                    func.__qualname__,
                    error,
                    attempt + 1,
                    ATTEMPTS,
                    pause,
                )
                sleep(pause)
        raise AssertionError("unreachable")  # pragma: no cover

    return wrapper


def busy_response(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After, in the user's language: nothing of the request was
    stored, and it can be sent again."""
    if request.headers.get("HX-Request"):
        # The autosave shows its own message; this one is for anything else that reads it.
        response = HttpResponse(
            _("The database is busy: nothing was saved yet. Send it again in a moment."),
            content_type="text/plain; charset=utf-8",
            status=503,
        )
    else:
        # Rendered without the request, like 500.html: no context processor touches the database.
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseBusyMiddleware:
    """A view that found the database busy, after its retries, answers 503."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not is_busy(exception):
            return None
        logger.warning(
            "database busy, answered 503: %s %s: %s", request.method, request.path, exception
        )
        return busy_response(request)


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """handler500. Django calls it while handling the exception, so a busy
    database met outside a view (a middleware saving the session) is a 503
    too; anything else is the usual 500 page."""
    error = sys.exception()
    if error is not None and is_busy(error):
        return busy_response(request)
    return defaults.server_error(request, template_name)
