from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db.models import Case, IntegerField, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from . import services
from .accounts import has_verified_email
from .forms import FourEyesForm, InvitationForm, RequireMFAForm, RoleForm, WorkspaceForm
from .models import Invitation, Membership, Role, Workspace
from .permissions import Capability, public, requires, signed_in
from .scoping import Access, get_access


@public
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@login_required
@signed_in
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
@signed_in
def workspace_create(request: HttpRequest) -> HttpResponse:
    form = WorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        workspace = services.workspace_create(
            name=form.cleaned_data["name"], slug=form.cleaned_data["slug"], by=request.user
        )
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
    if access.may(Capability.MANAGE_MEMBERS):
        context["invitations"] = workspace.invitations.pending().select_related("invited_by")
        context["invite_form"] = invite_form or InvitationForm()
        context["accepted_invitations"] = workspace.invitations.filter(
            accepted_at__isnull=False
        ).select_related("accepted_by", "invited_by")[:20]
        # Who has a second factor: what an owner needs to know before requiring it.
        context["with_mfa"] = set(
            Authenticator.objects.filter(user__memberships__workspace=workspace)
            .exclude(type=Authenticator.Type.RECOVERY_CODES)
            .values_list("user_id", flat=True)
        )
    if access.may(Capability.SETTINGS):
        context["four_eyes_form"] = FourEyesForm(
            initial={"four_eyes": "on" if workspace.four_eyes else "off"}
        )
        context["require_mfa_form"] = RequireMFAForm(
            initial={"require_mfa": "on" if workspace.require_mfa else "off"}
        )
    return render(
        request,
        "workspaces/members.html",
        context,
        status=400 if invite_form is not None and invite_form.errors else 200,
    )


@login_required
@requires(Capability.VIEW)
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
@requires(Capability.MANAGE_MEMBERS)
def member_role(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_access(request, slug)
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
@requires(Capability.MANAGE_MEMBERS)
def member_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_access(request, slug)
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
@requires(Capability.SETTINGS)
def four_eyes(request: HttpRequest, slug: str) -> HttpResponse:
    """An owner switches the four-eyes rule of the workspace."""
    access = get_access(request, slug)
    form = FourEyesForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose on or off."))
        return redirect("members", slug=slug)
    on = form.cleaned_data["four_eyes"]
    if services.four_eyes_set(workspace=access.workspace, on=on, by=request.user):
        messages.success(request, _("Four eyes is now on.") if on else _("Four eyes is now off."))
    return redirect("members", slug=slug)


@login_required
@require_POST
@requires(Capability.SETTINGS)
def require_mfa(request: HttpRequest, slug: str) -> HttpResponse:
    """An owner requires (or no longer requires) a second factor of every member."""
    access = get_access(request, slug)
    form = RequireMFAForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose on or off."))
        return redirect("members", slug=slug)
    on = form.cleaned_data["require_mfa"]
    try:
        changed = services.require_mfa_set(workspace=access.workspace, on=on, by=request.user)
    except services.MemberError as error:
        messages.error(request, error.message)
        return redirect("members", slug=slug)
    if changed:
        messages.success(
            request,
            _("Two-factor authentication is now required of every member.")
            if on
            else _("Two-factor authentication is now each member's choice."),
        )
    return redirect("members", slug=slug)


# /w/<slug>/invitations/


@login_required
@require_POST
@requires(Capability.MANAGE_MEMBERS)
def invitation_create(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_access(request, slug)
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
@requires(Capability.MANAGE_MEMBERS)
def invitation_revoke(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_access(request, slug)
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
@public  # the link finds the invitation; accepting needs its address, confirmed
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
        # The login page's "Sign up" link carries ?next= too, through the
        # email confirmation (allauth), back to this page.
        messages.info(
            request,
            _("Log in, or sign up, to accept the invitation to “%(workspace)s”.")
            % {"workspace": invitation.workspace.name},
        )
        return redirect_to_login(request.get_full_path())
    if not has_verified_email(request.user, invitation.email):
        # Bound to its address: whoever else holds the link is told how to
        # become the invitee (sign in as her, or add and confirm the address).
        return render(
            request,
            "workspaces/invitation.html",
            {
                "invitation": invitation,
                "wrong_address": True,
                "addresses": request.user.emailaddress_set.filter(verified=True),
            },
            status=403,
        )
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


@public
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switcher, which also remembers the choice of a signed-in
    person as the language of her emails (workspaces.services.language_remember)."""
    from django.views.i18n import set_language as django_set_language

    response = django_set_language(request)
    language = request.POST.get("language", "") if request.method == "POST" else ""
    if language and request.user.is_authenticated:
        services.language_remember(user=request.user, language=language)
    return response
