"""The filings writes of more than one row, called as the views call them
(filings.services): each in one transaction, recorded as the user who asked."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from filings import services, wizard
from filings.choices import FilingStatus
from filings.models import (
    Algorithm,
    Deployment,
    Disclosure,
    Filing,
    ManagementSystem,
    Provider,
    Service,
    ThirdPartyModel,
)
from tests.factories import (
    AlgorithmFactory,
    DeploymentFactory,
    ProviderFactory,
    ServiceFactory,
    ThirdPartyModelFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def algorithm(workspace):
    return DeploymentFactory(
        algorithm=AlgorithmFactory(provider=ProviderFactory(workspace=workspace))
    ).algorithm


class TestAlgorithmCreate:
    def test_an_empty_workspace_gets_a_provider_an_algorithm_and_its_filing(self, workspace, owner):
        algorithm = services.algorithm_create(workspace=workspace, by=owner)
        assert algorithm.provider.workspace == workspace
        assert algorithm.filings.get().status == FilingStatus.DRAFT
        assert algorithm.history.get().history_user == owner
        assert Provider.objects.get(workspace=workspace).history.get().history_user == owner

    def test_the_first_provider_or_the_given_one(self, workspace, owner):
        first, second = ProviderFactory(workspace=workspace), ProviderFactory(workspace=workspace)
        assert services.algorithm_create(workspace=workspace, by=owner).provider == first
        chosen = services.algorithm_create(workspace=workspace, by=owner, provider=second)
        assert chosen.provider == second
        assert Provider.objects.filter(workspace=workspace).count() == 2

    def test_a_failure_leaves_nothing_behind(self, workspace, owner):
        with mock.patch.object(Filing, "save", side_effect=RuntimeError("disk full")):
            with pytest.raises(RuntimeError):
                services.algorithm_create(workspace=workspace, by=owner)
        assert not Provider.objects.filter(workspace=workspace).exists()
        assert not Algorithm.objects.filter(workspace=workspace).exists()


class TestRows:
    def test_a_product_comes_with_its_function_or_not_at_all(self, algorithm, owner):
        services_before = Service.objects.count()
        with mock.patch.object(Deployment, "save", side_effect=RuntimeError("disk full")):
            with pytest.raises(RuntimeError):
                services.service_add(algorithm=algorithm, by=owner)
        assert Service.objects.count() == services_before

        service = services.service_add(algorithm=algorithm, by=owner)
        deployment = service.deployments.get()
        assert deployment.algorithm == algorithm and deployment.position == 1
        assert service.provider_id == algorithm.provider_id
        assert deployment.history.get().history_user == owner

    def test_a_function_goes_only_into_a_product_of_the_same_provider(self, algorithm, owner):
        foreign = ServiceFactory(provider=ProviderFactory(workspace=algorithm.workspace))
        with pytest.raises(ValidationError):
            services.deployment_add(algorithm=algorithm, service=foreign, by=owner)
        own = ServiceFactory(provider=algorithm.provider)
        added = services.deployment_add(algorithm=algorithm, service=own, by=owner)
        assert added.position == 1 and added.service == own

    def test_rows_are_added_at_the_end_of_their_list(self, algorithm, owner):
        ThirdPartyModelFactory(algorithm=algorithm)
        model = services.third_party_model_add(algorithm=algorithm, by=owner)
        assert model.position == 1 and model.workspace_id == algorithm.workspace_id
        assert ThirdPartyModel.objects.filter(algorithm=algorithm).count() == 2
        system = services.management_system_add(algorithm=algorithm, by=owner)
        second = services.management_system_add(algorithm=algorithm, by=owner)
        assert (system.position, second.position) == (0, 1) and system.kind == "other"
        assert ManagementSystem.objects.filter(provider=algorithm.provider).count() == 2


class TestLazyPanel:
    def test_the_first_save_creates_the_object(self, algorithm, owner):
        prefix = wizard.new_prefix("disclosure", "new")
        obj, result = wizard.save_new_panel(
            kind="disclosure",
            algorithm=algorithm,
            key="new",
            data={f"{prefix}-purpose": "向用户推荐新闻。"},
            by=owner,
        )
        assert isinstance(obj, Disclosure) and obj.algorithm == algorithm
        assert result.saved == ["purpose"]
        assert Disclosure.objects.get(algorithm=algorithm).purpose == "向用户推荐新闻。"

    def test_a_failed_save_leaves_no_empty_object(self, algorithm, owner):
        with mock.patch.object(wizard, "save_panel", side_effect=RuntimeError("disk full")):
            with pytest.raises(RuntimeError):
                wizard.save_new_panel(
                    kind="disclosure", algorithm=algorithm, key="new", data={}, by=owner
                )
        assert not Disclosure.objects.filter(algorithm=algorithm).exists()

    def test_a_kind_that_is_not_lazy_is_refused(self, algorithm, owner):
        with pytest.raises(LookupError):
            wizard.save_new_panel(
                kind="provider", algorithm=algorithm, key="new", data={}, by=owner
            )
