"""Workspace isolation: a member of A gets 404 on every object of B, and
every view requires a login."""

import pytest
from django.urls import reverse

from filings.attachments import attachment_create
from filings.choices import AttachmentSlot
from tests.factories import (
    AlgorithmFactory,
    DeploymentFactory,
    FilingFactory,
    MembershipFactory,
    WorkspaceFactory,
)
from tests.filings.test_attachments import PDF, upload
from workspaces.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_workspaces(member_factory):
    a, b = WorkspaceFactory(slug="alpha"), WorkspaceFactory(slug="beta")
    alice = member_factory(a, Role.OWNER, username="alice")
    deployment = DeploymentFactory(algorithm=AlgorithmFactory(provider__workspace=b))
    algorithm = deployment.algorithm
    filing = FilingFactory(algorithm=algorithm)
    attachment = attachment_create(
        slot=AttachmentSlot.LICENCE_SCAN,
        uploaded=upload("执照.pdf", PDF),
        provider=algorithm.provider,
    )
    return {
        "a": a,
        "b": b,
        "alice": alice,
        "algorithm": algorithm,
        "service": deployment.service,
        "provider": algorithm.provider,
        "filing": filing,
        "attachment": attachment,
    }


def _b_urls(d, slug):
    return [
        ("get", reverse("filings:dashboard", args=[slug])),
        ("get", reverse("filings:provider", args=[slug, d["provider"].pk])),
        ("get", reverse("filings:service", args=[slug, d["service"].pk])),
        ("get", reverse("filings:algorithm", args=[slug, d["algorithm"].pk])),
        ("get", reverse("filings:attachment", args=[slug, d["attachment"].pk])),
        ("post", reverse("filings:filing-transition", args=[slug, d["filing"].pk])),
        ("post", reverse("filings:algorithm-upload", args=[slug, d["algorithm"].pk])),
        ("post", reverse("filings:provider-upload", args=[slug, d["provider"].pk])),
    ]


def test_a_member_of_a_gets_404_on_each_of_bs_objects(client, two_workspaces):
    d = two_workspaces
    client.force_login(d["alice"])
    for method, url in _b_urls(d, "beta"):
        response = getattr(client, method)(url, {"to": "in_review"} if method == "post" else None)
        assert response.status_code == 404, url


def test_bs_objects_are_404_through_as_workspace_url_too(client, two_workspaces):
    # Right workspace in the URL, wrong workspace's object id.
    d = two_workspaces
    client.force_login(d["alice"])
    for method, url in _b_urls(d, "alpha")[1:]:
        response = getattr(client, method)(url, {"to": "in_review"} if method == "post" else None)
        assert response.status_code == 404, url
    d["filing"].refresh_from_db()
    assert d["filing"].status == "draft"


def test_every_view_requires_login(client, two_workspaces):
    for method, url in _b_urls(two_workspaces, "beta") + [("get", reverse("home"))]:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response["Location"].startswith(
            reverse("account_login")
        ), url


def test_a_member_of_b_sees_bs_objects(client, two_workspaces):
    d = two_workspaces
    bob = MembershipFactory(workspace=d["b"], role=Role.VIEWER).user
    client.force_login(bob)
    for method, url in _b_urls(d, "beta"):
        if method == "get":
            assert client.get(url).status_code == 200, url


def test_the_queryset_helper_scopes_to_memberships(two_workspaces):
    from filings.models import Algorithm

    d = two_workspaces
    assert list(Algorithm.objects.for_user(d["alice"])) == []
    bob = MembershipFactory(workspace=d["b"]).user
    assert list(Algorithm.objects.for_user(bob)) == [d["algorithm"]]
