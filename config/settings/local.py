"""Development on one machine: `make run`."""

from .base import *  # noqa: F403
from .base import CONTENT_SECURITY_POLICY, SECRET_KEY, env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
# A fixed key is fine on a developer's laptop; production.py refuses to start without one.
SECRET_KEY = SECRET_KEY or "local-development-only-not-secret-9f2c1e7a4b"
# The policy is reported, not enforced, while developing: a violation shows in
# the browser console without breaking the page being worked on.
CONTENT_SECURITY_POLICY_REPORT_ONLY = CONTENT_SECURITY_POLICY
CONTENT_SECURITY_POLICY = None
