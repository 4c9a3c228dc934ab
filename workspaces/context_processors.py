from .models import Workspace


def workspaces(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"my_workspaces": Workspace.objects.for_user(user).only("name", "slug")}
