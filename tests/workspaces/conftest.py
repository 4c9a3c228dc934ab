import pytest

from tests.factories import UserFactory, WorkspaceFactory
from workspaces.models import Role

ROLES = [Role.OWNER, Role.EDITOR, Role.REVIEWER, Role.VIEWER]


@pytest.fixture
def team(member_factory):
    """A workspace with one member of each role (keyed by role), plus an
    outsider who is a member of another workspace only."""
    workspace = WorkspaceFactory(slug="team")
    users = {role: member_factory(workspace, role, username=str(role)) for role in ROLES}
    other = WorkspaceFactory(slug="other")
    users["outsider"] = member_factory(other, Role.OWNER, username="outsider")
    return {"workspace": workspace, "other": other, **users}


@pytest.fixture
def stranger(db):
    return UserFactory(username="stranger", email="stranger@example.cn")
