"""Accounts: django-allauth does sign-up, sign-in, email verification, password
reset and the second factor (README "Accounts"); this module holds what
Suanbei adds to it.

- `AccountAdapter`: our name in the subject of allauth's emails.
- `has_verified_email`: whether an account has proven it receives mail at an
  address (invitations are bound to their address: workspaces.services).
- `mark_email_verified`: the demo's accounts, whose addresses are not real.
- `TwoFactorRequired`: raised by scoping.get_access when a workspace requires
  a second factor the member has not set up; workspaces.middleware answers it.
"""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class AccountAdapter(DefaultAccountAdapter):
    def format_email_subject(self, subject) -> str:
        # allauth's default prefix is the host name; ours is the product's.
        return f"[{gettext('Suanbei')}] {subject}"


def has_verified_email(user, email: str) -> bool:
    """Whether `user` has confirmed `email` (any case) as one of its addresses."""
    if not getattr(user, "is_authenticated", False) or not email:
        return False
    return EmailAddress.objects.filter(
        user=user, email__iexact=email.strip(), verified=True
    ).exists()


@transaction.atomic
def mark_email_verified(user, email: str | None = None) -> EmailAddress:
    """Record `email` (default: the user's) as the verified primary address of
    `user`, without sending anything. For accounts made by code, not by people:
    the demo's, and the tests'."""
    email = (email or user.email).strip().lower()
    address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
    if address is None:
        address = EmailAddress(user=user, email=email)
    EmailAddress.objects.filter(user=user, primary=True).exclude(pk=address.pk).update(
        primary=False
    )
    address.verified = True
    address.primary = True
    address.save()
    if (user.email or "").strip().lower() != email:
        user.email = email
        user.save(update_fields=["email"])
    return address


def has_second_factor(user) -> bool:
    """An authenticator app (or a security key): recovery codes only back one up."""
    return getattr(user, "is_authenticated", False) and is_mfa_enabled(
        user, [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    )


class TwoFactorRequired(Exception):
    """The workspace requires a second factor of its members (Workspace.require_mfa)
    and this member has none yet."""

    def __init__(self, workspace) -> None:
        super().__init__(workspace.slug)
        self.workspace = workspace


class LoginForm(AllauthLoginForm):
    """allauth's sign-in form, with the first field named for what it takes
    (allauth labels it "Login", which reads as the verb 登录 in Chinese)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Username or email")
        self.fields["login"].widget.attrs["placeholder"] = _("Username or email")
