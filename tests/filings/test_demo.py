import pytest
from django.core.management import call_command

from demo.workspace import DEMO_PASSWORD, DEMO_USERNAME
from filings.choices import AlgorithmType, FilingStatus
from filings.choices import Role as FilingRole
from filings.models import Algorithm, Provider, Service
from workspaces.models import Workspace

pytestmark = pytest.mark.django_db


def test_load_demo_builds_the_described_workspace():
    call_command("load_demo")
    ws = Workspace.objects.get(slug="demo")
    assert Provider.objects.filter(workspace=ws).count() == 1
    assert Service.objects.filter(workspace=ws).count() == 3
    algorithms = Algorithm.objects.filter(workspace=ws)
    assert algorithms.count() == 5
    types = {a.type for a in algorithms}
    assert {
        AlgorithmType.PERSONALIZED_PUSH,
        AlgorithmType.INFORMATION_RETRIEVAL,
        AlgorithmType.DISPATCH_DECISION,
        AlgorithmType.GENERATION_SYNTHESIS,
    } <= types
    assert algorithms.filter(generative_ai_service=True, role=FilingRole.SERVICE_PROVIDER).exists()
    assert (
        algorithms.filter(role=FilingRole.TECHNICAL_SUPPORTER)
        .exclude(technical_service_modes=[])
        .exists()
    )
    statuses = {f.status for a in algorithms for f in a.filings.all()}
    assert FilingStatus.FILED in statuses and FilingStatus.DRAFT in statuses
    for obj in [
        *algorithms,
        *Provider.objects.filter(workspace=ws),
        *Service.objects.filter(workspace=ws),
    ]:
        obj.full_clean()


def test_the_demo_user_can_log_in(client):
    call_command("load_demo")
    assert client.login(username=DEMO_USERNAME, password=DEMO_PASSWORD)


def test_if_empty_leaves_existing_data_alone():
    Workspace.objects.create(name="已有", slug="existing")
    call_command("load_demo", "--if-empty")
    assert not Workspace.objects.filter(slug="demo").exists()


def test_loading_twice_does_not_duplicate_and_reset_recreates():
    call_command("load_demo")
    call_command("load_demo")
    assert Algorithm.objects.count() == 5
    Algorithm.objects.filter(name="示例新闻搜索算法").update(summary="改过")
    call_command("load_demo", "--reset")
    assert Algorithm.objects.count() == 5
    assert Algorithm.objects.get(name="示例新闻搜索算法").summary != "改过"
