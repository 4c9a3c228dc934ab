"""workspaces.services.workspace_create: the workspace and its first owner, together."""

from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from tests.factories import UserFactory, WorkspaceFactory
from workspaces import services
from workspaces.models import Membership, Role, Workspace

pytestmark = pytest.mark.django_db


def test_the_creator_is_its_first_owner():
    user = UserFactory()
    workspace = services.workspace_create(name="合规组", slug="compliance", by=user)
    assert Membership.objects.get(workspace=workspace).user == user
    assert Membership.objects.get(workspace=workspace).role == Role.OWNER


def test_a_failure_leaves_no_workspace_without_an_owner():
    with mock.patch.object(Membership.objects, "create", side_effect=RuntimeError("disk full")):
        with pytest.raises(RuntimeError):
            services.workspace_create(name="合规组", slug="compliance", by=UserFactory())
    assert not Workspace.objects.filter(slug="compliance").exists()


def test_a_taken_address_is_refused():
    WorkspaceFactory(slug="taken")
    with pytest.raises(ValidationError) as refused:
        services.workspace_create(name="合规组", slug="taken", by=UserFactory())
    assert "slug" in refused.value.message_dict
