"""Session idle expiry and the second factor a workspace requires."""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from .accounts import TwoFactorRequired

# How often an active session's expiry moves forward (seconds): not at every
# request, so that reading pages writes the session row at most once a minute.
IDLE_TOUCH_SECONDS = 60
_SEEN = "suanbei_seen"


class IdleSessionMiddleware:
    """A signed-in session ends SESSION_COOKIE_AGE (SUANBEI_SESSION_IDLE_MINUTES)
    after its last request: each request of a signed-in session saves it
    again, at most once a minute, which sets its expiry (in the session store
    and on the cookie) that far from now. Unlike SESSION_SAVE_EVERY_REQUEST,
    a page full of requests costs one write."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # After a logout the session is empty: nothing to keep alive.
        if session is not None and session.get(SESSION_KEY):
            now = int(time.time())
            if now - session.get(_SEEN, 0) >= IDLE_TOUCH_SECONDS:
                session[_SEEN] = now
        return response


class TwoFactorRequiredMiddleware:
    """A member of a workspace that requires a second factor, who has none,
    is sent to set one up (workspaces.scoping.get_access raises
    TwoFactorRequired)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, TwoFactorRequired):
            return None
        messages.warning(
            request,
            _(
                "“%(workspace)s” requires two-factor authentication of every member. "
                "Set up an authenticator app to continue."
            )
            % {"workspace": exception.workspace.name},
        )
        url = reverse("mfa_index")
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(url)
        return redirect(url)
