from django.conf import settings

from .models import Workspace


def workspaces(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "my_workspaces": Workspace.objects.for_user(user).only("name", "slug"),
        # The sessions page says how long an unused session lasts.
        "session_idle_minutes": settings.SUANBEI_SESSION_IDLE_MINUTES,
    }
