"""Development on one machine: `make run`."""

from .base import *  # noqa: F403
from .base import SECRET_KEY, env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
# A fixed key is fine on a developer's laptop; production.py refuses to start without one.
SECRET_KEY = SECRET_KEY or "local-development-only-not-secret-9f2c1e7a4b"
