"""Deleting an algorithm: "+ New algorithm" can be undone, by owners and editors,
inside their workspace, never for an algorithm the CAC has on its record."""

import pytest
from django.urls import reverse

from filings.choices import FilingStatus
from filings.models import Activity, Algorithm, Deployment, Filing
from filings.services import DeletionRefused, delete_algorithm
from tests.factories import (
    AlgorithmFactory,
    DeploymentFactory,
    FilingFactory,
    ProviderFactory,
    WorkspaceFactory,
)
from workspaces.models import Role

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def algorithm(workspace):
    algorithm = AlgorithmFactory(provider=ProviderFactory(workspace=workspace), name="待删除算法")
    FilingFactory(algorithm=algorithm)
    DeploymentFactory(algorithm=algorithm)
    return algorithm


def url(algorithm) -> str:
    return reverse("filings:algorithm-delete", args=[algorithm.workspace.slug, algorithm.pk])


@pytest.mark.parametrize("role", [Role.OWNER, Role.EDITOR])
def test_an_owner_or_editor_confirms_then_deletes(
    client, workspace, member_factory, algorithm, role
):
    user = member_factory(workspace, role)
    client.force_login(user)
    page = client.get(url(algorithm), **EN)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="confirm-delete"' in body and 'method="post"' in body
    assert Algorithm.objects.filter(pk=algorithm.pk).exists()  # GET only asks

    response = client.post(url(algorithm), **EN)
    assert response.status_code == 302
    assert response["Location"] == reverse("filings:dashboard", args=[workspace.slug])
    assert not Algorithm.objects.filter(pk=algorithm.pk).exists()
    assert not Filing.objects.filter(algorithm_id=algorithm.pk).exists()
    assert not Deployment.objects.filter(algorithm_id=algorithm.pk).exists()
    # History keeps the algorithm and who deleted it.
    deleted = Algorithm.history.filter(id=algorithm.pk, history_type="-").get()
    assert deleted.name == "待删除算法" and deleted.history_user == user
    assert Filing.history.filter(algorithm_id=algorithm.pk, history_type="-").exists()
    entry = Activity.objects.get(workspace=workspace, data__event="algorithm_deleted")
    assert entry.actor == user and entry.detail == "待删除算法"
    dashboard = client.get(response["Location"], **EN).content.decode()
    assert "Deleted 待删除算法" in dashboard


def test_the_algorithm_page_offers_the_delete_to_editors_only(
    client, workspace, member_factory, algorithm
):
    page = reverse("filings:algorithm", args=[workspace.slug, algorithm.pk])
    client.force_login(member_factory(workspace, Role.EDITOR))
    assert url(algorithm) in client.get(page).content.decode()
    client.force_login(member_factory(workspace, Role.VIEWER))
    assert url(algorithm) not in client.get(page).content.decode()


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.VIEWER])
def test_reviewers_and_viewers_get_403(client, workspace, member_factory, algorithm, role):
    client.force_login(member_factory(workspace, role))
    assert client.get(url(algorithm)).status_code == 403
    assert client.post(url(algorithm)).status_code == 403
    assert Algorithm.objects.filter(pk=algorithm.pk).exists()


def test_another_workspaces_algorithm_is_404(client, owner, algorithm):
    stranger = AlgorithmFactory(provider=ProviderFactory(workspace=WorkspaceFactory()))
    client.force_login(owner)
    foreign = reverse("filings:algorithm-delete", args=[algorithm.workspace.slug, stranger.pk])
    assert client.get(foreign).status_code == 404
    assert client.post(foreign).status_code == 404
    # Nor through the other workspace's slug, which the owner is no member of.
    assert client.post(url(stranger)).status_code == 404
    assert Algorithm.objects.filter(pk=stranger.pk).exists()


def test_bad_input(client, owner, workspace, algorithm):
    client.force_login(owner)
    missing = reverse("filings:algorithm-delete", args=[workspace.slug, 999999])
    assert client.post(missing).status_code == 404
    assert client.put(url(algorithm)).status_code == 405
    assert client.delete(url(algorithm)).status_code == 405
    client.logout()
    response = client.post(url(algorithm))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Algorithm.objects.filter(pk=algorithm.pk).exists()


@pytest.mark.parametrize(
    "status", [FilingStatus.SUBMITTED, FilingStatus.FILED, FilingStatus.CANCELLED]
)
def test_an_algorithm_the_cac_has_is_never_deleted(client, owner, workspace, status):
    algorithm = AlgorithmFactory(provider=ProviderFactory(workspace=workspace))
    FilingFactory(
        algorithm=algorithm,
        status=status,
        filing_number="网信算备110108823483901240031号" if status != "submitted" else "",
    )
    client.force_login(owner)
    page = client.get(url(algorithm), **EN).content.decode()
    assert 'id="delete-refused"' in page and "cancellation filing" in page
    assert 'data-testid="confirm-delete"' not in page

    response = client.post(url(algorithm), **EN)
    assert response["Location"] == reverse("filings:algorithm", args=[workspace.slug, algorithm.pk])
    assert Algorithm.objects.filter(pk=algorithm.pk).exists()
    assert (
        "cancellation filing (注销备案)" in client.get(response["Location"], **EN).content.decode()
    )
    with pytest.raises(DeletionRefused):
        delete_algorithm(algorithm, by=owner)


def test_a_draft_that_was_approved_but_never_submitted_may_go(owner, workspace):
    algorithm = AlgorithmFactory(provider=ProviderFactory(workspace=workspace))
    FilingFactory(algorithm=algorithm, status=FilingStatus.APPROVED)
    delete_algorithm(algorithm, by=owner)
    assert not Algorithm.objects.filter(pk=algorithm.pk).exists()
