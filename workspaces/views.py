from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case, IntegerField, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from filings import pii
from filings.models import Provider

from . import services
from .forms import FourEyesForm, InvitationForm, RoleForm, SignupForm, WorkspaceForm
from .models import Invitation, Membership, Role, Workspace
from .scoping import Access, get_access, get_scoped_or_404

# Where to go after signing up: set by a ?next= on the signup page, or by an
# invitation link opened while logged out (the login page's "Sign up" link
# does not carry ?next=, so the session remembers it).
AFTER_SIGNUP = "suanbei_after_signup"


def _safe(request: HttpRequest, url: str | None) -> str | None:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    if next_url := _safe(request, request.GET.get("next")):
        request.session[AFTER_SIGNUP] = next_url
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        if next_url := _safe(request, request.session.pop(AFTER_SIGNUP, None)):
            messages.success(request, _("Welcome!"))
            return redirect(next_url)
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


# ---------------------------------------------------------------------------
# /w/<slug>/members/: every member sees the list; owners manage it.
# ---------------------------------------------------------------------------

_ROLE_RANK = Case(
    *(When(role=role, then=rank) for rank, role in enumerate(Role.values)),
    output_field=IntegerField(),
)


def _members_page(
    request: HttpRequest, access: Access, invite_form: InvitationForm | None = None
) -> HttpResponse:
    workspace = access.workspace
    memberships = (
        workspace.memberships.select_related("user")
        .annotate(rank=_ROLE_RANK)
        .order_by("rank", "user__username")
    )
    context = {
        "workspace": workspace,
        "access": access,
        "memberships": memberships,
        "roles": Role.choices,
    }
    if access.is_owner:
        context["invitations"] = workspace.invitations.pending().select_related("invited_by")
        context["invite_form"] = invite_form or InvitationForm()
        context["four_eyes_form"] = FourEyesForm(
            initial={"four_eyes": "on" if workspace.four_eyes else "off"}
        )
    return render(
        request,
        "workspaces/members.html",
        context,
        status=400 if invite_form is not None and invite_form.errors else 200,
    )


@login_required
def members(request: HttpRequest, slug: str) -> HttpResponse:
    return _members_page(request, get_access(request, slug))


def _get_membership(access: Access, pk: int) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("user"), workspace=access.workspace, pk=pk
    )


def _after_change(request: HttpRequest, slug: str) -> HttpResponse:
    """Back to the members page, or home if the change took the user out of the workspace."""
    if Membership.objects.filter(user=request.user, workspace__slug=slug).exists():
        return redirect("members", slug=slug)
    return redirect("home")


@login_required
@require_POST
def member_role(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_access(request, slug)
    access.require_owner()
    membership = _get_membership(access, pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the roles."))
        return redirect("members", slug=slug)
    try:
        membership = services.member_change_role(
            membership=membership, role=form.cleaned_data["role"], by=request.user
        )
    except services.MemberError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(user)s is now %(role)s.")
            % {"user": membership.user.get_username(), "role": membership.get_role_display()},
        )
    return _after_change(request, slug)


@login_required
@require_POST
def member_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_access(request, slug)
    access.require_owner()
    membership = _get_membership(access, pk)
    try:
        services.member_remove(membership=membership, by=request.user)
    except services.MemberError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(user)s was removed from the workspace.")
            % {"user": membership.user.get_username()},
        )
    return _after_change(request, slug)


@login_required
@require_POST
def four_eyes(request: HttpRequest, slug: str) -> HttpResponse:
    """An owner switches the four-eyes rule of the workspace."""
    access = get_access(request, slug)
    access.require_owner()
    form = FourEyesForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose on or off."))
        return redirect("members", slug=slug)
    on = form.cleaned_data["four_eyes"]
    if services.four_eyes_set(workspace=access.workspace, on=on, by=request.user):
        messages.success(request, _("Four eyes is now on.") if on else _("Four eyes is now off."))
    return redirect("members", slug=slug)


# /w/<slug>/invitations/


@login_required
@require_POST
def invitation_create(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_access(request, slug)
    access.require_owner()
    form = InvitationForm(request.POST)
    if not form.is_valid():
        return _members_page(request, access, invite_form=form)
    try:
        invitation = services.invitation_create(
            workspace=access.workspace,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            by=request.user,
            base_url=request.build_absolute_uri("/"),
            language=get_language(),
        )
    except services.MemberError as error:
        form.add_error("email", error.message)
        return _members_page(request, access, invite_form=form)
    messages.success(
        request,
        _("An invitation to join as %(role)s is on its way to %(email)s.")
        % {"email": invitation.email, "role": invitation.get_role_display()},
    )
    return redirect("members", slug=slug)


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_access(request, slug)
    access.require_owner()
    invitation = get_object_or_404(Invitation, workspace=access.workspace, pk=pk)
    if services.invitation_revoke(invitation=invitation, by=request.user):
        messages.success(
            request, _("The invitation of %(email)s was revoked.") % {"email": invitation.email}
        )
    else:
        messages.info(request, _("That invitation was no longer pending."))
    return redirect("members", slug=slug)


# /invitations/<token>/: the emailed link.


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = (
        Invitation.objects.select_related("workspace", "invited_by").filter(token=token).first()
    )
    if invitation is None:
        raise Http404
    if invitation.accepted_by_id and invitation.accepted_by_id == request.user.pk:
        messages.info(request, _("You have already accepted this invitation."))
        return redirect("filings:dashboard", slug=invitation.workspace.slug)
    refusal = services.invitation_refusal(invitation)
    if refusal:
        return render(
            request,
            "workspaces/invitation.html",
            {"invitation": invitation, "refusal": refusal},
            status=410,
        )
    if not request.user.is_authenticated:
        request.session[AFTER_SIGNUP] = request.path
        messages.info(
            request,
            _("Log in, or sign up, to accept the invitation to “%(workspace)s”.")
            % {"workspace": invitation.workspace.name},
        )
        return redirect_to_login(request.get_full_path())
    current = Membership.objects.filter(workspace=invitation.workspace, user=request.user).first()
    if request.method == "POST":
        try:
            membership, created = services.invitation_accept(
                invitation=invitation, user=request.user
            )
        except services.MemberError as error:
            return render(
                request,
                "workspaces/invitation.html",
                {"invitation": invitation, "refusal": error.message},
                status=410,
            )
        request.session.pop(AFTER_SIGNUP, None)
        if created:
            messages.success(
                request,
                _("You joined “%(workspace)s” as %(role)s.")
                % {"workspace": invitation.workspace.name, "role": membership.get_role_display()},
            )
        else:
            messages.info(
                request,
                _(
                    "You were already a member of “%(workspace)s” as %(role)s; your role is "
                    "unchanged. Ask an owner if it should be different."
                )
                % {"workspace": invitation.workspace.name, "role": membership.get_role_display()},
            )
        return redirect("filings:dashboard", slug=invitation.workspace.slug)
    return render(
        request,
        "workspaces/invitation.html",
        {"invitation": invitation, "current": current},
    )


# ---------------------------------------------------------------------------
# /w/<slug>/providers/<pk>/reveal/<field>/: one personal number in full, recorded.
# ---------------------------------------------------------------------------


@never_cache
@login_required
@require_POST
def reveal(request: HttpRequest, slug: str, pk: int, field: str) -> HttpResponse:
    access = get_access(request, slug)
    if field not in pii.PERSONAL_FIELDS:
        raise Http404
    if not pii.may_reveal(access):
        raise PermissionDenied
    provider = get_scoped_or_404(Provider, access, pk=pk)
    value = getattr(provider, field)
    if value:
        pii.record_view(request, access, provider_id=provider.pk, fields=[field])
    context = {
        "workspace": access.workspace,
        "provider": provider,
        "label": pii.LABELS[field],
        "value": value,
    }
    if request.htmx:
        return render(request, "workspaces/_revealed.html", context)
    return render(request, "workspaces/reveal.html", context)


def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switcher, which also remembers the choice of a signed-in
    person as the language of her emails (workspaces.services.language_remember)."""
    from django.views.i18n import set_language as django_set_language

    response = django_set_language(request)
    language = request.POST.get("language", "") if request.method == "POST" else ""
    if language and request.user.is_authenticated:
        services.language_remember(user=request.user, language=language)
    return response
