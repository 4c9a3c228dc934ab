"""Fetching a user's workspace and its objects: anything outside the user's memberships is a 404."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from .accounts import TwoFactorRequired, has_second_factor
from .models import Membership, Workspace
from .permissions import Capability, Grants


@dataclass(frozen=True)
class Access:
    """A member in a workspace. What the member may do is asked of the one
    table (workspaces.permissions): `access.may(Capability.EDIT)` in code,
    `{% if access.may.edit %}` in templates, `access.require(...)` to refuse."""

    workspace: Workspace
    membership: Membership

    @property
    def role(self) -> str:
        return self.membership.role

    @property
    def may(self) -> Grants:
        return Grants(self.membership.role)

    def require(self, capability: Capability | str) -> None:
        if not self.may(capability):
            raise PermissionDenied


def get_access(request, slug: str) -> Access:
    # Kept on the request: @requires (workspaces.permissions) asks first, the view again.
    known = getattr(request, "_suanbei_access", None)
    if known is not None and known.workspace.slug == slug:
        return known
    membership = (
        Membership.objects.select_related("workspace")
        .filter(user=request.user, workspace__slug=slug)
        .first()
        if request.user.is_authenticated
        else None
    )
    if membership is None:
        raise Http404
    if membership.workspace.require_mfa and not has_second_factor(request.user):
        raise TwoFactorRequired(membership.workspace)  # workspaces.middleware sends to enrol
    access = Access(workspace=membership.workspace, membership=membership)
    request._suanbei_access = access
    return access


def get_scoped_or_404(model_or_queryset, access: Access, **lookup):
    """One object (of a model or a queryset) inside the workspace the user reached through `access`."""
    queryset = getattr(model_or_queryset, "objects", model_or_queryset)
    return get_object_or_404(queryset.filter(workspace=access.workspace), **lookup)
