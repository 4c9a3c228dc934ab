from __future__ import annotations

from dataclasses import dataclass

import pytest

from filings import versions
from filings.models import Provider
from tests.factories import FilingFactory, complete_algorithm
from workspaces.models import Role


@dataclass
class Team:
    owner: object
    editor: object
    reviewer: object
    reviewer2: object
    viewer: object

    def by_role(self, role: str):
        return {
            Role.OWNER: self.owner,
            Role.EDITOR: self.editor,
            Role.REVIEWER: self.reviewer,
            Role.VIEWER: self.viewer,
        }[role]


@pytest.fixture
def team(workspace, member_factory) -> Team:
    return Team(
        owner=member_factory(workspace, Role.OWNER, username="olivia"),
        editor=member_factory(workspace, Role.EDITOR, username="edward"),
        reviewer=member_factory(workspace, Role.REVIEWER, username="rita"),
        reviewer2=member_factory(workspace, Role.REVIEWER, username="roger"),
        viewer=member_factory(workspace, Role.VIEWER, username="victor"),
    )


@pytest.fixture
def algorithm(workspace, django_capture_on_commit_callbacks):
    # Saving versioned data registers an on-commit batch (filings.versions); run it
    # here, or a later change in the test joins this batch, which never runs.
    # Complete data (no check errors, one open warning: no ICP number for the
    # app, left out on purpose so that approving needs its acknowledgement).
    with django_capture_on_commit_callbacks(execute=True):
        algorithm = complete_algorithm(workspace=workspace, name="示例新闻推荐算法")
        Provider.objects.filter(pk=algorithm.provider_id).update(icp_number="")
        versions.check_algorithm(algorithm)
    return algorithm


@pytest.fixture
def filing(algorithm):
    return FilingFactory(algorithm=algorithm)


@pytest.fixture
def other_workspace_filing(db):
    """A filing in a workspace none of the team belongs to."""
    return FilingFactory()
