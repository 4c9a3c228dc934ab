from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .forms import SignupForm, WorkspaceForm
from .models import Membership, Role, Workspace


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome! Create a workspace for your team to begin."))
        return redirect("home")
    return render(request, "registration/signup.html", {"form": form})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The user's workspaces; with exactly one, go straight to its dashboard."""
    workspaces = list(Workspace.objects.for_user(request.user))
    if len(workspaces) == 1 and not request.GET.get("all"):
        return redirect("filings:dashboard", slug=workspaces[0].slug)
    return render(
        request, "workspaces/home.html", {"workspaces": workspaces, "form": WorkspaceForm()}
    )


@login_required
@require_http_methods(["GET", "POST"])
def workspace_create(request: HttpRequest) -> HttpResponse:
    form = WorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            workspace = form.save()
            Membership.objects.create(workspace=workspace, user=request.user, role=Role.OWNER)
        messages.success(request, _("Workspace “%(name)s” created.") % {"name": workspace.name})
        return redirect("filings:dashboard", slug=workspace.slug)
    return render(request, "workspaces/workspace_form.html", {"form": form})
