"""Tenancy: a Workspace is one team's (or one law-firm client's) filings.

Every domain object carries a `workspace` foreign key and a queryset built
on `WorkspaceScopedQuerySet`, so that `Model.objects.for_user(user)` is the
one place where "what may this user see?" is answered.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    EDITOR = "editor", _("Editor")
    REVIEWER = "reviewer", _("Reviewer")
    VIEWER = "viewer", _("Viewer")
    # What each role may do: the table in workspaces.permissions.


class WorkspaceQuerySet(models.QuerySet):
    def for_user(self, user) -> WorkspaceQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user)


class Workspace(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(
        _("short name"),
        max_length=60,
        unique=True,
        help_text=_(
            "Used in addresses; lowercase letters, digits and hyphens, e.g. acme-compliance."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Checked by filings.lifecycle on every approval; changed by owners (workspaces.services).
    four_eyes = models.BooleanField(
        _("four eyes"),
        default=True,
        help_text=_("Whoever last changed a filing's data cannot approve it."),
    )
    # Checked by scoping.get_access on every request; changed by owners (workspaces.services).
    require_mfa = models.BooleanField(
        _("two-factor authentication required"),
        default=False,
        help_text=_("Members without a second factor are sent to set one up first."),
    )

    history = HistoricalRecords()
    objects = WorkspaceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("workspace")
        verbose_name_plural = _("workspaces")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        pgettext_lazy("workspace member", "role"),
        max_length=16,
        choices=Role.choices,
        default=Role.EDITOR,
    )
    joined_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="one_membership_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.workspace} ({self.get_role_display()})"


class WorkspaceScopedQuerySet(models.QuerySet):
    """Base queryset of every model that belongs to a workspace."""

    def for_user(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(workspace__memberships__user=user)

    def in_workspace(self, workspace: Workspace):
        return self.filter(workspace=workspace)


# ---------------------------------------------------------------------------
# Invitations: an owner invites an email address with a role; the account
# that has confirmed that address opens the emailed link and joins with it.
# ---------------------------------------------------------------------------


def new_invitation_token() -> str:
    return secrets.token_urlsafe(32)


def invitation_expiry():
    return timezone.now() + timedelta(days=settings.SUANBEI_INVITATION_DAYS)


class InvitationQuerySet(models.QuerySet):
    def pending(self) -> InvitationQuerySet:
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        ACCEPTED = "accepted", _("accepted")
        REVOKED = "revoked", _("revoked")
        EXPIRED = "expired", _("expired")

    workspace = models.ForeignKey(
        Workspace,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("workspace"),
    )
    email = models.EmailField(_("email"))
    role = models.CharField(
        pgettext_lazy("workspace member", "role"),
        max_length=16,
        choices=Role.choices,
        default=Role.EDITOR,
    )
    # The link finds the invitation; only an account that has confirmed `email`
    # may accept it (workspaces.services.invitation_accept).
    token = models.CharField(
        max_length=64, unique=True, default=new_invitation_token, editable=False
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), default=invitation_expiry)
    sent_at = models.DateTimeField(_("email sent at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.workspace} ({self.get_role_display()})"

    @property
    def status(self) -> str:
        # A used or revoked invitation stays so after its expiry date.
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.revoked_at:
            return self.Status.REVOKED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.PENDING

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


# ---------------------------------------------------------------------------
# Audit log of personal data shown in full (filings.pii).
# ---------------------------------------------------------------------------


class AuditLog(models.Model):
    class Action(models.TextChoices):
        VIEW_PERSONAL_DATA = "view_personal_data", _("viewed personal data")

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+", verbose_name=_("workspace")
    )
    # The entry outlives the account; the name is kept for that case.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("user"),
    )
    username = models.CharField(_("username"), max_length=150)
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    # The object whose data was shown; no foreign key, so the entry outlives it.
    object_type = models.CharField(_("object type"), max_length=32)
    object_id = models.PositiveBigIntegerField(_("object id"))
    fields = models.JSONField(_("fields"), default=list)
    path = models.CharField(_("page"), max_length=300, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = WorkspaceScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["workspace", "-created_at"], name="auditlog_recent")]

    def __str__(self) -> str:
        return f"{self.username} {self.get_action_display()} {self.object_type}#{self.object_id}"


# ---------------------------------------------------------------------------
# A member's own settings.
# ---------------------------------------------------------------------------


class Profile(models.Model):
    """What belongs to a person rather than to a workspace: the language her
    emails are written in. Kept up to date with the language she last used
    (the language switcher, each login: workspaces.services.language_remember);
    a person without a profile gets the site's language."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="suanbei_profile",
        verbose_name=_("user"),
    )
    language = models.CharField(
        _("language"),
        max_length=16,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("The language of the emails sent to this person."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return f"{self.user} · {self.language or '-'}"


def languages_of(user_ids) -> dict[int, str]:
    """user pk -> the language to write to them in (their last used, else the site's)."""
    known = dict(
        Profile.objects.filter(user_id__in=list(user_ids))
        .exclude(language="")
        .values_list("user_id", "language")
    )
    return {pk: known.get(pk, settings.LANGUAGE_CODE) for pk in user_ids}


def language_of(user) -> str:
    return languages_of([user.pk])[user.pk]
