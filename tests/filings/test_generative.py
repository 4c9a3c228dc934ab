"""The generative-AI route (大模型备案 vs 登记), the upstream model's number, Art 22
API providers and the "file before launch" deadline (issue 12 item 7)."""

import datetime as dt

import pytest
from django.urls import reverse

from filings import deadlines, generative, obligations
from filings.applicability import algorithm_facts
from filings.checks import ERROR, WARNING, run_checks
from filings.choices import ModelSource
from filings.interchange import algorithm_snapshot
from tests.factories import AlgorithmFactory, ProviderFactory, ThirdPartyModelFactory
from tests.readonly import no_writes

pytestmark = pytest.mark.django_db

A = "/providers/0/algorithms/0"


def _generative(workspace, **fields):
    values = {
        "type": "generation_synthesis",
        "generative_ai_service": True,
        "launch_status": "not_online",
        **fields,
    }
    return AlgorithmFactory(provider=ProviderFactory(workspace=workspace), **values)


def _codes(algorithm, lookup=None):
    return {
        (p.code, p.severity, p.pointer)
        for p in run_checks(algorithm_snapshot(algorithm), registry_lookup=lookup)
    }


def _obligation_codes(algorithm):
    return {o.code for o in obligations.applicable(algorithm_snapshot(algorithm))}


class TestRoute:
    def test_the_answer_decides_the_route(self, workspace):
        algorithm = _generative(workspace)
        ThirdPartyModelFactory(algorithm=algorithm)
        expected = {
            ModelSource.OWN: "filing",
            ModelSource.MODIFIED: "filing",  # fine-tuned: 备案, not 登记
            ModelSource.API_UNCHANGED: "registration",
        }
        for source, route in expected.items():
            algorithm.model_source = source
            algorithm.save()
            assert generative.route(algorithm) == route, source
            # The same answer from the snapshot, and from the algorithm object in it.
            snapshot = algorithm_snapshot(algorithm)
            assert generative.route(snapshot) == route
            assert generative.route(snapshot["providers"][0]["algorithms"][0]) == route

    def test_a_fine_tuned_filed_model_gets_the_filing_obligation_not_registration(self, workspace):
        algorithm = _generative(workspace, model_source=ModelSource.MODIFIED)
        ThirdPartyModelFactory(algorithm=algorithm)
        codes = _obligation_codes(algorithm)
        assert "large_model_filing" in codes and "large_model_registration" not in codes
        algorithm.model_source = ModelSource.API_UNCHANGED
        algorithm.save()
        codes = _obligation_codes(algorithm)
        assert "large_model_registration" in codes and "large_model_filing" not in codes

    def test_unanswered_it_is_inferred_and_the_checks_refuse_it(self, workspace):
        algorithm = _generative(workspace)
        assert generative.route(algorithm) == "filing"
        ThirdPartyModelFactory(algorithm=algorithm)
        assert generative.route(algorithm) == "registration"
        assert ("generative_model_source_missing", ERROR, f"{A}/x/model_source") in _codes(
            algorithm
        )
        algorithm.model_source = ModelSource.API_UNCHANGED
        algorithm.save()
        assert "generative_model_source_missing" not in {c for c, *_ in _codes(algorithm)}

    def test_a_non_generative_algorithm_has_no_route(self, workspace):
        algorithm = AlgorithmFactory(provider=ProviderFactory(workspace=workspace))
        assert generative.route(algorithm) is None
        assert "generative_model_source_missing" not in {c for c, *_ in _codes(algorithm)}

    def test_a_model_platform_offering_an_api_is_a_provider_under_art_22(self, workspace):
        platform = _generative(
            workspace,
            generative_ai_service=False,
            role="technical_supporter",
            technical_service_modes=["api", "sdk"],
        )
        assert generative.is_generative_provider(platform)
        assert generative.route(platform) == "filing"
        facts = algorithm_facts(algorithm_snapshot(platform), 0, 0)
        assert facts["generative_ai_service"] is True
        assert facts["generative_route"] == "filing"
        assert "large_model_filing" in _obligation_codes(platform)
        # Only an SDK or a private deployment: not offering the service itself.
        platform.technical_service_modes = ["sdk", "private_deployment"]
        platform.save()
        assert generative.route(platform) is None
        assert algorithm_facts(algorithm_snapshot(platform), 0, 0)["generative_ai_service"] is False

    def test_api_providers_get_the_generative_catalogue_items(self, workspace):
        platform = _generative(
            workspace,
            generative_ai_service=False,
            role="technical_supporter",
            technical_service_modes=["api"],
            model_source=ModelSource.OWN,
        )
        ids = _item_ids(platform)
        assert {"GAI-4-prohibited-content", "TC260-9.2-corpus-assessment"} <= ids
        platform.technical_service_modes = ["sdk"]
        platform.save()
        assert "TC260-9.2-corpus-assessment" not in _item_ids(platform)


def _item_ids(algorithm) -> set[str]:
    from assessments.selectors import applicable_items

    return {item.item_id for item in applicable_items(algorithm_snapshot(algorithm), 0, 0)}


class TestUpstreamNumber:
    @pytest.mark.parametrize(
        ("number", "kind", "name"),
        [
            ("Beijing-WenXinYiYan-20230821", "备案", "WenXinYiYan"),
            ("Beijing-XingChen-202404280001", "备案", "XingChen"),
            ("Beijing-BianYing-20240428S0001", "登记", "BianYing"),
            ("ZheJiang-Qwen-2-5-202501010002", "备案", "Qwen-2-5"),
            ("Tianjin-360ZhiNaoDaMoXing-20230831", "备案", "360ZhiNaoDaMoXing"),
        ],
    )
    def test_the_published_grammar_parses_from_the_right(self, number, kind, name):
        parsed = generative.parse_gai_number(number)
        assert parsed and parsed["kind"] == kind and parsed["name"] == name

    @pytest.mark.parametrize(
        "number",
        [
            "网信算备110108823483901230031号",
            "Beijing-XingChen",
            "北京-星辰-202404280001",
            "XingChen-2024",
        ],
    )
    def test_other_numbers_are_malformed(self, number):
        assert generative.parse_gai_number(number) is None

    def test_a_malformed_or_missing_number_is_a_warning(self, workspace):
        algorithm = _generative(workspace, model_source=ModelSource.API_UNCHANGED)
        model = ThirdPartyModelFactory(algorithm=algorithm, gai_number="")
        pointer = f"{A}/third_party_models/0/x/gai_number"
        assert ("gai_number_missing", WARNING, pointer) in _codes(algorithm)
        model.gai_number = "网信算备110108823483901230031号"
        model.save()
        assert ("gai_number_malformed", WARNING, pointer) in _codes(algorithm)
        model.gai_number = "Beijing-XingChen-202404280001"
        model.save()
        codes = {c for c, *_ in _codes(algorithm)}
        assert not {"gai_number_missing", "gai_number_malformed"} & codes

    def test_a_number_absent_from_the_lists_is_a_warning_naming_the_batch(self, workspace):
        algorithm = _generative(workspace, model_source=ModelSource.MODIFIED)
        ThirdPartyModelFactory(algorithm=algorithm, gai_number="Beijing-XingChen-202404280001")

        def lookup(number):
            return {"status": "absent", "record": None, "latest_batch": "2026年5月"}

        lookup.gai = lambda number: {"status": "absent", "record": None, "latest_batch": "2026-08"}
        problems = run_checks(algorithm_snapshot(algorithm), registry_lookup=lookup)
        listed = [p for p in problems if p.code == "gai_number_not_listed"]
        assert len(listed) == 1 and listed[0].severity == WARNING and "2026-08" in listed[0].message
        lookup.gai = lambda number: {
            "status": "found",
            "record": object(),
            "latest_batch": "2026-08",
        }
        problems = run_checks(algorithm_snapshot(algorithm), registry_lookup=lookup)
        assert "gai_number_not_listed" not in {p.code for p in problems}

    def test_a_changed_or_called_model_must_be_listed(self, workspace):
        algorithm = _generative(workspace, model_source=ModelSource.MODIFIED)
        assert ("generative_upstream_missing", WARNING, f"{A}/third_party_models") in _codes(
            algorithm
        )
        algorithm.model_source = ModelSource.OWN
        algorithm.save()
        assert "generative_upstream_missing" not in {c for c, *_ in _codes(algorithm)}

    def test_the_number_and_the_answer_travel_in_the_snapshot_under_x(self, workspace):
        algorithm = _generative(workspace, model_source=ModelSource.API_UNCHANGED)
        ThirdPartyModelFactory(algorithm=algorithm, gai_number="Beijing-BianYing-20240428S0001")
        data = algorithm_snapshot(algorithm)["providers"][0]["algorithms"][0]
        assert data["x"]["model_source"] == "api_unchanged"
        assert data["third_party_models"][0]["x"] == {
            "gai_number": "Beijing-BianYing-20240428S0001"
        }


class TestFileBeforeLaunch:
    def test_an_unlaunched_generative_service_files_before_launch(self, workspace):
        algorithm = _generative(workspace, model_source=ModelSource.OWN)
        data = algorithm_snapshot(algorithm)["providers"][0]["algorithms"][0]
        upcoming = deadlines.next_deadline(data)
        assert upcoming is not None and upcoming.before_launch and upcoming.due is None
        assert "上线前完成大模型备案" in str(upcoming.label)
        algorithm.model_source = ModelSource.API_UNCHANGED
        algorithm.save()
        data = algorithm_snapshot(algorithm)["providers"][0]["algorithms"][0]
        assert "上线前完成登记" in str(deadlines.next_deadline(data).label)

    def test_once_online_the_usual_filing_deadline_applies(self, workspace):
        algorithm = _generative(workspace, launch_status="online", launch_date=dt.date(2026, 9, 24))
        data = algorithm_snapshot(algorithm)["providers"][0]["algorithms"][0]
        upcoming = deadlines.next_deadline(data)
        assert not upcoming.before_launch and upcoming.due == dt.date(2026, 10, 15)

    def test_a_non_generative_unlaunched_algorithm_still_has_none(self, workspace):
        algorithm = AlgorithmFactory(
            provider=ProviderFactory(workspace=workspace), launch_status="not_online"
        )
        data = algorithm_snapshot(algorithm)["providers"][0]["algorithms"][0]
        assert deadlines.next_deadline(data) is None

    def test_the_dashboard_and_the_algorithm_page_show_it(self, client, owner, workspace):
        algorithm = _generative(
            workspace, name="未上线生成算法", model_source=ModelSource.OWN, launch_date=None
        )
        client.force_login(owner)
        with no_writes():
            page = client.get(
                reverse("filings:algorithm", args=[workspace.slug, algorithm.pk]),
                HTTP_ACCEPT_LANGUAGE="en",
            ).content.decode()
            board = client.get(
                reverse("filings:dashboard", args=[workspace.slug]),
                {"sort": "deadline"},
                HTTP_ACCEPT_LANGUAGE="en",
            ).content.decode()
        assert 'id="next-deadline"' in page and "data-before-launch" in page
        assert "File before launch" in page and "File before launch" in board
