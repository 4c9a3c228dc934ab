from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory
from workspaces.models import Role

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A file of ../shared, or a skip saying why when this checkout has none beside it."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the ../shared reference data is not beside this checkout")
    return path


@pytest.fixture
def workspace(db):
    return WorkspaceFactory()


@pytest.fixture
def member_factory(db):
    """member_factory(workspace, role) -> a user with that role in that workspace."""

    def make(workspace, role=Role.OWNER, **user_fields):
        user = UserFactory(**user_fields)
        MembershipFactory(workspace=workspace, user=user, role=role)
        return user

    return make


@pytest.fixture
def owner(workspace, member_factory):
    return member_factory(workspace, Role.OWNER)


@pytest.fixture(autouse=True)
def no_rate_limits_left_over():
    """allauth counts sign-in attempts in the cache (ACCOUNT_RATE_LIMITS): every
    test starts with none, whatever the tests before it tried."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def english_outside_requests():
    """Code called directly (not through a request) speaks English in tests, so
    assertions can quote messages; requests still choose their language by
    Accept-Language and the language cookie, with zh-hans as the default."""
    from django.utils import translation

    with translation.override("en"):
        yield
