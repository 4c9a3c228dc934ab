"""Members of a workspace: roles, removal, invitations.

Roles are read from Membership on every request (scoping.get_access), so a
change made here applies to the member's very next request.

Every change is recorded in the workspace's activity feed (signals.workspace_event,
which filings records as an Activity).
"""

from __future__ import annotations

from urllib.parse import urljoin

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .accounts import has_second_factor, has_verified_email
from .models import Invitation, Membership, Profile, Role, Workspace, language_of
from .permissions import Capability, require_user
from .signals import workspace_event


class MemberError(Exception):
    """A change to the members that the rules refuse; the message is for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@transaction.atomic
def workspace_create(*, name: str, slug: str, by) -> Workspace:
    """A new workspace with `by` as its first owner."""
    workspace = Workspace(name=name, slug=slug)
    workspace.full_clean()
    workspace.save()
    Membership.objects.create(workspace=workspace, user=by, role=Role.OWNER)
    return workspace


def _log(workspace: Workspace, by, detail: str, **data) -> None:
    workspace_event.send(
        sender=Workspace, workspace=workspace, by=by, verb="member", detail=detail, data=data
    )


def _lock(workspace: Workspace) -> None:
    # Changes to one workspace's members queue on its row, so that two owners
    # demoting each other at the same moment cannot leave it without an owner.
    Workspace.objects.select_for_update().filter(pk=workspace.pk).first()


def _is_last_owner(membership: Membership) -> bool:
    return (
        membership.role == Role.OWNER
        and not Membership.objects.filter(workspace_id=membership.workspace_id, role=Role.OWNER)
        .exclude(pk=membership.pk)
        .exists()
    )


def _role_label(role: str) -> str:
    return str(Role(role).label)


@transaction.atomic
def member_change_role(*, membership: Membership, role: str, by) -> Membership:
    _lock(membership.workspace)
    membership = Membership.objects.select_related("user", "workspace").get(pk=membership.pk)
    if membership.role == role:
        return membership
    if _is_last_owner(membership):
        raise MemberError(
            _("%(user)s is the last owner of this workspace. Make another member an owner first.")
            % {"user": membership.user.get_username()}
        )
    old = membership.role
    membership.role = role
    membership.full_clean()
    membership.save(update_fields=["role"])
    _log(
        membership.workspace,
        by,
        _("%(user)s: %(old)s → %(new)s")
        % {
            "user": membership.user.get_username(),
            "old": _role_label(old),
            "new": _role_label(role),
        },
        action="role",
        user=membership.user_id,
        old=old,
        new=role,
    )
    return membership


@transaction.atomic
def member_remove(*, membership: Membership, by) -> None:
    _lock(membership.workspace)
    membership = Membership.objects.select_related("user", "workspace").get(pk=membership.pk)
    if _is_last_owner(membership):
        raise MemberError(
            _(
                "%(user)s is the last owner of this workspace and cannot be removed. "
                "Make another member an owner first."
            )
            % {"user": membership.user.get_username()}
        )
    membership.delete()
    _log(
        membership.workspace,
        by,
        _("%(user)s was removed from the workspace.") % {"user": membership.user.get_username()},
        action="remove",
        user=membership.user_id,
        role=membership.role,
    )


# ---------------------------------------------------------------------------
# Review rules of the workspace
# ---------------------------------------------------------------------------


@transaction.atomic
def four_eyes_set(*, workspace: Workspace, on: bool, by) -> bool:
    """Switch the four-eyes rule (filings.lifecycle refuses an approval by
    whoever last changed the data); owners only. Returns whether it changed,
    and records the change in the activity feed."""
    _lock(workspace)
    current = Workspace.objects.get(pk=workspace.pk)
    require_user(current.pk, by, Capability.SETTINGS, _("Only owners change the review rules."))
    if current.four_eyes == on:
        return False
    current.four_eyes = on
    current.save(update_fields=["four_eyes"])
    workspace.four_eyes = on
    # Codes only: the feed says it in the reader's language (templates/reviews/_activity_row.html).
    workspace_event.send(
        sender=Workspace,
        workspace=current,
        by=by,
        verb="other",
        detail="",
        data={"event": "four_eyes", "on": on},
    )
    return True


@transaction.atomic
def require_mfa_set(*, workspace: Workspace, on: bool, by) -> bool:
    """Require (or not) a second factor of every member (scoping.get_access
    sends a member without one to set it up); owners only, and only an owner
    who has one may switch it on, so that the switch does not lock her out.
    Returns whether it changed; the change is recorded in the activity feed."""
    _lock(workspace)
    current = Workspace.objects.get(pk=workspace.pk)
    require_user(
        current.pk, by, Capability.SETTINGS, _("Only owners change the workspace's settings.")
    )
    if current.require_mfa == on:
        return False
    if on and not has_second_factor(by):
        raise MemberError(
            _(
                "Set up two-factor authentication for your own account first: "
                "the rule applies to you too."
            )
        )
    current.require_mfa = on
    current.save(update_fields=["require_mfa"])
    workspace.require_mfa = on
    # Codes only: the feed says it in the reader's language (templates/reviews/_activity_row.html).
    workspace_event.send(
        sender=Workspace,
        workspace=current,
        by=by,
        verb="other",
        detail="",
        data={"event": "require_mfa", "on": on},
    )
    return True


# ---------------------------------------------------------------------------
# Invitations
# ---------------------------------------------------------------------------


@transaction.atomic
def invitation_create(
    *, workspace: Workspace, email: str, role: str, by, base_url: str, language: str
) -> Invitation:
    """Invite `email` with `role`; the email goes out once the transaction commits.

    `base_url` is the site's address as the inviter reached it (for the link),
    `language` the inviter's language: the email's, unless the address is a
    person's who has one of her own (invitation_language).
    """
    email = email.strip()
    already = Membership.objects.filter(workspace=workspace).filter(
        Q(user__email__iexact=email)
        | Q(user__emailaddress__email__iexact=email, user__emailaddress__verified=True)
    )
    if already.exists():
        raise MemberError(_("%(email)s is already a member of this workspace.") % {"email": email})
    # A new invitation to the same address replaces the earlier ones: it is how
    # an owner sends the link again, or changes the role offered.
    workspace.invitations.pending().filter(email__iexact=email).update(revoked_at=timezone.now())
    invitation = Invitation(workspace=workspace, email=email, role=role, invited_by=by)
    invitation.full_clean()
    invitation.save()
    _log(
        workspace,
        by,
        _("Invited %(email)s as %(role)s.") % {"email": email, "role": _role_label(role)},
        action="invite",
        invitation=invitation.pk,
        email=email,
        role=role,
    )
    from .tasks import send_invitation as send_invitation_task

    transaction.on_commit(lambda: send_invitation_task.delay(invitation.pk, base_url, language))
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by) -> bool:
    """Revoke a pending invitation; False when it was no longer pending."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        return False
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    _log(
        invitation.workspace,
        by,
        _("Revoked the invitation of %(email)s.") % {"email": invitation.email},
        action="revoke",
        invitation=invitation.pk,
        email=invitation.email,
    )
    return True


def invitation_refusal(invitation: Invitation) -> str:
    """Why this invitation can no longer be accepted, or "" if it can."""
    return {
        Invitation.Status.ACCEPTED: _("This invitation has already been used."),
        Invitation.Status.REVOKED: _(
            "This invitation was withdrawn. Ask an owner of the workspace for a new one."
        ),
        Invitation.Status.EXPIRED: _(
            "This invitation has expired. Ask an owner of the workspace for a new one."
        ),
    }.get(invitation.status, "")


def invitation_address_refusal(invitation: Invitation) -> str:
    return _(
        "This invitation was sent to %(email)s. Only an account that has confirmed "
        "that address can accept it."
    ) % {"email": invitation.email}


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user) -> tuple[Membership, bool]:
    """Join the workspace with the invited role: (membership, created).

    The invitation is bound to its address: only an account that has verified
    it (allauth's EmailAddress) may accept, so a forwarded or intercepted
    link is of no use to anyone else.

    A user who is already a member keeps the role they have: an invitation
    never changes a role silently (owners do that on the members page). The
    invitation is used up either way.
    """
    _lock(invitation.workspace)
    invitation = (
        Invitation.objects.select_for_update().select_related("workspace").get(pk=invitation.pk)
    )
    if refusal := invitation_refusal(invitation):
        raise MemberError(refusal)
    if not has_verified_email(user, invitation.email):
        raise MemberError(invitation_address_refusal(invitation))
    membership = Membership.objects.filter(workspace=invitation.workspace, user=user).first()
    created = membership is None
    if created:
        membership = Membership.objects.create(
            workspace=invitation.workspace, user=user, role=invitation.role
        )
    invitation.accepted_by = user
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_by", "accepted_at"])
    if created:
        detail = _("%(user)s joined as %(role)s (invitation of %(email)s).")
    else:
        detail = _(
            "%(user)s used the invitation of %(email)s but was already a member; the role was kept."
        )
    _log(
        invitation.workspace,
        user,
        detail
        % {
            "user": user.get_username(),
            "role": _role_label(invitation.role),
            "email": invitation.email,
        },
        action="accept",
        invitation=invitation.pk,
        user=user.pk,
        role=membership.role,
        joined=created,
    )
    return membership, created


def invitation_language(email: str, *, fallback: str) -> str:
    """The language to invite `email` in: the language its person last used,
    when she has an account already; else `fallback` (the inviter's)."""
    from django.contrib.auth import get_user_model
    from django.db.models import F

    user = (
        get_user_model()
        .objects.filter(email__iexact=email, is_active=True, suanbei_profile__isnull=False)
        .exclude(suanbei_profile__language="")
        .order_by(F("last_login").desc(nulls_last=True), "pk")
        .first()
    )
    return language_of(user) if user is not None else fallback


def invitation_send(invitation_id: int, *, base_url: str, language: str) -> bool:
    """Email the invitation's link; False (and nothing sent) when it is no longer pending."""
    invitation = (
        Invitation.objects.select_related("workspace", "invited_by")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or not invitation.is_pending:
        return False
    context = {
        "invitation": invitation,
        "workspace": invitation.workspace,
        "inviter": invitation.invited_by.get_username() if invitation.invited_by else "",
        "accept_url": urljoin(base_url, reverse("invitation-accept", args=[invitation.token])),
        "days": settings.SUANBEI_INVITATION_DAYS,
    }
    with translation.override(invitation_language(invitation.email, fallback=language)):
        context["role"] = _role_label(invitation.role)
        subject = render_to_string("workspaces/emails/invitation-subject.txt", context)
        text = render_to_string("workspaces/emails/invitation-body.txt", context)
        html = render_to_string("workspaces/emails/invitation-body.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()), body=text, to=[invitation.email]
    )
    message.attach_alternative(html, "text/html")
    message.send()
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now())
    return True


# ---------------------------------------------------------------------------
# A member's language (for the emails written to her)
# ---------------------------------------------------------------------------


def language_remember(*, user, language: str) -> bool:
    """Remember `language` as the one `user` last used; True when it changed.

    Called by the language switcher and at login; a language the site does
    not offer is ignored."""
    try:
        code = translation.get_supported_language_variant(language or "")
    except LookupError:
        return False
    with transaction.atomic():
        profile, created = Profile.objects.select_for_update().get_or_create(
            user=user, defaults={"language": code}
        )
        if created:
            return True
        if profile.language == code:
            return False
        profile.language = code
        profile.save(update_fields=["language", "updated_at"])
        return True
