"""Fetching a user's workspace and its objects: anything outside the user's memberships is a 404."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import EDIT_ROLES, Membership, Role, Workspace


@dataclass(frozen=True)
class Access:
    workspace: Workspace
    membership: Membership

    @property
    def role(self) -> str:
        return self.membership.role

    @property
    def can_edit(self) -> bool:
        return self.membership.role in EDIT_ROLES

    def require_edit(self) -> None:
        if not self.can_edit:
            raise PermissionDenied

    @property
    def is_owner(self) -> bool:
        return self.membership.role == Role.OWNER

    def require_owner(self) -> None:
        if not self.is_owner:
            raise PermissionDenied


def get_access(request, slug: str) -> Access:
    membership = (
        Membership.objects.select_related("workspace")
        .filter(user=request.user, workspace__slug=slug)
        .first()
        if request.user.is_authenticated
        else None
    )
    if membership is None:
        raise Http404
    return Access(workspace=membership.workspace, membership=membership)


def get_scoped_or_404(model_or_queryset, access: Access, **lookup):
    """One object (of a model or a queryset) inside the workspace the user reached through `access`."""
    queryset = getattr(model_or_queryset, "objects", model_or_queryset)
    return get_object_or_404(queryset.filter(workspace=access.workspace), **lookup)
