import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from filings import choices
from filings.models import Algorithm, Provider
from tests.factories import (
    AlgorithmFactory,
    DeploymentFactory,
    FilingFactory,
    ProviderFactory,
    ServiceFactory,
    ThirdPartyModelFactory,
    WorkspaceFactory,
)

pytestmark = pytest.mark.django_db


def _errors(obj) -> dict:
    with pytest.raises(ValidationError) as info:
        obj.full_clean()
    return info.value.message_dict


class TestDraftsMayBeIncomplete:
    def test_an_empty_provider_is_a_valid_draft(self):
        provider = Provider(workspace=WorkspaceFactory())
        provider.full_clean()

    def test_an_empty_algorithm_is_a_valid_draft(self):
        provider = ProviderFactory()
        Algorithm(workspace=provider.workspace, provider=provider).full_clean()


class TestProvider:
    def test_a_present_uscc_is_format_checked(self):
        assert "uscc" in _errors(
            ProviderFactory.build(workspace=WorkspaceFactory(), uscc="91110108MA01ABCD1F")
        )

    def test_a_resident_id_is_checked_with_its_check_digit(self):
        provider = ProviderFactory.build(
            workspace=WorkspaceFactory(),
            legal_rep_id_type=choices.IdType.RESIDENT_ID,
            legal_rep_id_number="110105194912310021",
        )
        assert "legal_rep_id_number" in _errors(provider)

    def test_an_id_number_needs_its_type(self):
        provider = ProviderFactory.build(
            workspace=WorkspaceFactory(), officer_id_number="110108199003071238"
        )
        assert "officer_id_type" in _errors(provider)

    def test_a_passport_number_is_not_read_as_a_resident_id(self):
        provider = ProviderFactory.build(
            workspace=WorkspaceFactory(),
            officer_id_type=choices.IdType.PASSPORT,
            officer_id_number="E12345678",
        )
        provider.full_clean()

    def test_mobile_email_region_and_website_are_checked(self):
        provider = ProviderFactory.build(
            workspace=WorkspaceFactory(),
            officer_mobile="12345",
            officer_email="not-an-email",
            region_code="1101",
            website="example",
        )
        assert {"officer_mobile", "officer_email", "region_code", "website"} <= set(
            _errors(provider)
        )

    def test_unknown_entity_type_is_refused(self):
        assert "entity_type" in _errors(
            ProviderFactory.build(workspace=WorkspaceFactory(), entity_type="person")
        )


class TestService:
    def test_dau_cannot_exceed_mau(self):
        service = ServiceFactory.build(provider=ProviderFactory(), dau=10, mau=5)
        assert "dau" in _errors(service)

    def test_service_names_are_unique_per_provider(self):
        service = ServiceFactory()
        with pytest.raises(IntegrityError):
            ServiceFactory(provider=service.provider, name=service.name)

    def test_blank_names_do_not_collide(self):
        provider = ProviderFactory()
        ServiceFactory(provider=provider, name="")
        ServiceFactory(provider=provider, name="")


class TestAlgorithm:
    def test_modalities_must_be_known_codes(self):
        algorithm = AlgorithmFactory.build(
            provider=ProviderFactory(), input_modalities=["text", "smell"]
        )
        assert "input_modalities" in _errors(algorithm)

    def test_technical_service_modes_must_be_known_codes(self):
        algorithm = AlgorithmFactory.build(
            provider=ProviderFactory(), technical_service_modes=["fax"]
        )
        assert "technical_service_modes" in _errors(algorithm)

    def test_unknown_type_and_role_are_refused(self):
        errors = _errors(
            AlgorithmFactory.build(provider=ProviderFactory(), type="magic", role="owner")
        )
        assert {"type", "role"} <= set(errors)

    def test_names_are_unique_per_provider(self):
        algorithm = AlgorithmFactory()
        with pytest.raises(IntegrityError):
            AlgorithmFactory(provider=algorithm.provider, name=algorithm.name)

    def test_the_same_name_may_exist_under_another_provider(self):
        algorithm = AlgorithmFactory()
        AlgorithmFactory(name=algorithm.name)

    def test_a_child_in_another_workspace_is_refused(self):
        provider = ProviderFactory()
        algorithm = Algorithm(workspace=WorkspaceFactory(), provider=provider, name="跨工作区算法")
        assert "__all__" in _errors(algorithm)


class TestDeployment:
    def test_function_description_has_at_most_500_characters(self):
        deployment = DeploymentFactory()
        deployment.function_description = "字" * 500
        deployment.full_clean()
        deployment.function_description = "字" * 501
        assert "function_description" in _errors(deployment)

    def test_the_service_must_belong_to_the_algorithms_provider(self):
        deployment = DeploymentFactory()
        other_service = ServiceFactory(provider=ProviderFactory(workspace=deployment.workspace))
        deployment.service = other_service
        assert "service" in _errors(deployment)

    def test_the_access_path_is_an_ordered_list_of_steps(self):
        deployment = DeploymentFactory(access_path=["首页", "我的", "设置"])
        deployment.refresh_from_db()
        assert deployment.access_path == ["首页", "我的", "设置"]
        deployment.access_path = ["首页", ""]
        assert "access_path" in _errors(deployment)


class TestThirdPartyModelAndFiling:
    def test_a_third_party_filing_number_is_format_checked(self):
        model = ThirdPartyModelFactory.build(
            algorithm=AlgorithmFactory(), filing_number="备案号123"
        )
        assert "filing_number" in _errors(model)

    def test_a_filed_filing_needs_its_number(self):
        filing = FilingFactory.build(
            algorithm=AlgorithmFactory(), status=choices.FilingStatus.FILED
        )
        assert "filing_number" in _errors(filing)


class TestHistory:
    def test_every_change_is_recorded_with_its_author(self, owner):
        algorithm = AlgorithmFactory()
        algorithm._history_user = owner
        algorithm.summary = "第二版简介"
        algorithm.save()
        records = list(algorithm.history.all())
        assert [r.history_type for r in records] == ["~", "+"]
        assert records[0].summary == "第二版简介" and records[0].history_user == owner
