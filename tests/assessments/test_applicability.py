import pytest

from assessments.models import Answer, Assessment, CatalogueItem
from assessments.selectors import applicable_items, assessment_status
from demo.workspace import load_demo
from filings import interchange
from filings.applicability import (
    algorithm_document,
    algorithm_facts,
    condition_problems,
    evaluate,
)
from filings.choices import AlgorithmType, Role
from filings.models import Algorithm
from tests.factories import (
    AlgorithmFactory,
    DeploymentFactory,
    ServiceFactory,
    ThirdPartyModelFactory,
)

pytestmark = pytest.mark.django_db

GAI_SAFETY = {
    "TC260-5.1-corpus-sources",
    "TC260-8.1-keyword-library",
    "TC260-8.2-test-bank",
    "TC260-8.3-refusal-banks",
    "TC260-9.2-corpus-assessment",
    "TC260-9.3-generated-content-assessment",
    "TC260-9.4-refusal-assessment",
}


def _ids(algorithm) -> set[str]:
    return {row.item_id for row in assessment_status(algorithm).rows}


def _areas(algorithm) -> set[str]:
    return {row.area for row in assessment_status(algorithm).rows}


def _deployed(algorithm, **service_fields):
    service = ServiceFactory(provider=algorithm.provider, **service_fields)
    DeploymentFactory(algorithm=algorithm, service=service)
    return service


FACTS = {
    "type": "personalized_push",
    "role": "service_provider",
    "generative_ai_service": False,
    "deep_synthesis": False,
    "personalised": True,
    "public_opinion": False,
    "serves_minors": True,
    "involves_workers": False,
    "consumer_pricing": False,
    "uses_third_party_models": False,
}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (None, True),
        ({}, True),
        ({"fact": "serves_minors", "is": True}, True),
        ({"fact": "serves_minors", "is": False}, False),
        ({"fact": "type", "in": ["personalized_push", "ranking_selection"]}, True),
        ({"fact": "type", "in": ["generation_synthesis"]}, False),
        ({"not": {"fact": "deep_synthesis", "is": True}}, True),
        (
            {
                "all": [
                    {"fact": "personalised", "is": True},
                    {"fact": "role", "is": "service_provider"},
                ]
            },
            True,
        ),
        (
            {"all": [{"fact": "personalised", "is": True}, {"fact": "public_opinion", "is": True}]},
            False,
        ),
        (
            {
                "any": [
                    {"fact": "public_opinion", "is": True},
                    {"fact": "serves_minors", "is": True},
                ]
            },
            True,
        ),
        (
            {
                "any": [
                    {"fact": "public_opinion", "is": True},
                    {"fact": "involves_workers", "is": True},
                ]
            },
            False,
        ),
    ],
)
def test_evaluate(condition, expected):
    assert condition_problems(condition) == []
    assert evaluate(condition, FACTS) is expected


def test_an_unfilled_type_matches_no_type_list():
    assert evaluate({"fact": "type", "in": ["personalized_push"]}, {**FACTS, "type": None}) is False


def test_facts_from_the_export_equal_facts_from_the_database(catalogue):
    workspace = load_demo()
    document = interchange.export_workspace(workspace)
    seen = 0
    for p, provider in enumerate(document["providers"]):
        for a, data in enumerate(provider["algorithms"]):
            algorithm = Algorithm.objects.get(workspace=workspace, name=data["name"])
            assert algorithm_facts(document, p, a) == algorithm_facts(
                *algorithm_document(algorithm)
            ), data["name"]
            ids_from_document = [i.item_id for i in applicable_items(document, p, a)]
            assert ids_from_document == [r.item_id for r in assessment_status(algorithm).rows]
            seen += 1
    assert seen == 5


def test_demo_facts(catalogue):
    workspace = load_demo()
    facts = {
        a.name: algorithm_facts(*algorithm_document(a))
        for a in Algorithm.objects.filter(workspace=workspace)
    }
    feed = facts["示例新闻个性化推荐算法"]
    assert feed["personalised"] and feed["public_opinion"] and feed["serves_minors"]
    assert not feed["involves_workers"] and not feed["deep_synthesis"]
    dispatch = facts["示例出行智能派单算法"]
    assert dispatch["involves_workers"] and dispatch["consumer_pricing"]
    assert dispatch["public_opinion"]  # social mobilisation counts
    chat = facts["示例AI助手生成合成算法"]
    assert chat["deep_synthesis"] and chat["generative_ai_service"]
    assert chat["uses_third_party_models"] and chat["public_opinion"]
    supporter = facts["示例大模型开放平台算法"]
    assert supporter["role"] == Role.TECHNICAL_SUPPORTER and not supporter["public_opinion"]


def test_a_personalised_push_provider_gets_opt_out_and_tags_but_no_labelling(catalogue):
    feed = AlgorithmFactory(type=AlgorithmType.PERSONALIZED_PUSH)
    _deployed(feed, public_opinion_attributes=True)
    ids = _ids(feed)
    assert {"ARS-17-opt-out", "ARS-17-user-tags", "ARS-10-tag-rules", "ARS-11-key-positions"} <= ids
    assert "labelling" not in _areas(feed)
    assert "generative_ai" not in _areas(feed) and "gai_safety" not in _areas(feed)
    assert "SA-5-log-retention" in ids  # public opinion


def test_a_public_generative_ai_service_gets_labelling_gai_and_tc260_items(catalogue):
    chat = AlgorithmFactory(type=AlgorithmType.GENERATION_SYNTHESIS, generative_ai_service=True)
    _deployed(chat, public_opinion_attributes=True)
    ids = _ids(chat)
    assert {
        "DS-17-prominent-labels",
        "LABEL-4-explicit-labels",
        "LABEL-5-implicit-metadata",
        "LABEL-9-unlabelled-output",
        "GAI-7-lawful-sources",
        "GAI-9-service-agreement",
        "DS-10-input-output-review",
        "SA-3-security-assessment-report",
    } <= ids
    assert GAI_SAFETY <= ids
    assert {"ARS-17-opt-out", "ARS-17-user-tags", "ARS-11-key-positions"}.isdisjoint(ids)
    assert "GAI-7-third-party-model" not in ids

    ThirdPartyModelFactory(algorithm=chat)
    assert "GAI-7-third-party-model" in _ids(chat)


def test_deep_synthesis_without_a_public_gai_service_gets_labelling_but_not_tc260(catalogue):
    beautify = AlgorithmFactory(type=AlgorithmType.GENERATION_SYNTHESIS)
    ids = _ids(beautify)
    assert "LABEL-5-implicit-metadata" in ids and "DS-9-real-name" in ids
    assert not ids & GAI_SAFETY
    assert "generative_ai" not in _areas(beautify)


def test_a_technical_supporter_gets_the_supporter_subset(catalogue):
    platform = AlgorithmFactory(
        type=AlgorithmType.GENERATION_SYNTHESIS, role=Role.TECHNICAL_SUPPORTER
    )
    assert _ids(platform) == {
        "ARS-24-filing-maintenance",
        "ARS-26-filing-number-display",
        "ARS-8-periodic-audit",
        "DS-14-training-data",
        "DS-14-biometric-consent",
        "DS-15-tool-security-assessment",
        "ARS-28-regulator-cooperation",
        # Issue 12 §7: every network operator, supporters included.
        "CSL-21-classified-protection",
        "ARS-8-reassessment-after-update",
    }
    # Offering the model through an API makes it a provider (GAI-2023 Art 22).
    platform.technical_service_modes = ["api"]
    platform.save()
    assert GAI_SAFETY <= _ids(platform)


def test_a_supporter_offering_a_public_gai_service_also_gets_the_gai_items(catalogue):
    platform = AlgorithmFactory(
        type=AlgorithmType.GENERATION_SYNTHESIS,
        role=Role.TECHNICAL_SUPPORTER,
        generative_ai_service=True,
    )
    ids = _ids(platform)
    assert GAI_SAFETY <= ids and "GAI-9-service-agreement" in ids
    assert "ARS-22-complaints" not in ids  # a provider's duty


@pytest.mark.parametrize(
    ("attribute", "area", "item"),
    [
        ("serves_minors", "minors", "ARS-18-minors-mode"),
        ("involves_workers", "workers", "ARS-20-order-allocation"),
        ("consumer_pricing", "consumers", "ARS-21-fair-pricing"),
    ],
)
def test_special_group_items_follow_the_service_attributes(catalogue, attribute, area, item):
    algorithm = AlgorithmFactory(type=AlgorithmType.DISPATCH_DECISION)
    service = _deployed(algorithm, **{attribute: None})
    # Unanswered is neither yes nor no: the items apply, to be confirmed.
    assert _provisional(algorithm)[item] is True
    setattr(service, attribute, False)
    service.save()
    assert area not in _areas(algorithm)
    setattr(service, attribute, True)
    service.save()
    assert _provisional(algorithm)[item] is False
    assert area in _areas(algorithm)


def _provisional(algorithm) -> dict[str, bool]:
    return {row.item_id: row.provisional for row in assessment_status(algorithm).rows}


def test_a_service_the_algorithm_is_not_deployed_in_does_not_count(catalogue):
    algorithm = AlgorithmFactory(type=AlgorithmType.PERSONALIZED_PUSH)
    ServiceFactory(provider=algorithm.provider, serves_minors=True, public_opinion_attributes=True)
    assert "minors" not in _areas(algorithm)
    assert "security_assessment" not in _areas(algorithm)


def test_opinion_features_alone_give_public_opinion(catalogue):
    algorithm = AlgorithmFactory(type=AlgorithmType.RANKING_SELECTION)
    _deployed(algorithm, opinion_features=["comments"])
    assert "SA-5-real-name-registration" in _ids(algorithm)


def test_changing_the_type_re_evaluates_and_keeps_old_answers_as_inactive(catalogue):
    algorithm = AlgorithmFactory(type=AlgorithmType.PERSONALIZED_PUSH)
    assessment = Assessment.objects.create(workspace=algorithm.workspace, algorithm=algorithm)
    for item, status in [
        ("ARS-17-opt-out", "compliant"),
        ("ARS-16-prominent-notice", "partial"),
        ("RETIRED-1-item", "compliant"),
    ]:
        Answer.objects.create(
            workspace=algorithm.workspace, assessment=assessment, item=item, status=status
        )

    before = assessment_status(algorithm)
    rows = {row.item_id: row for row in before.rows}
    assert rows["ARS-17-opt-out"].status == "compliant"
    assert rows["ARS-17-user-tags"].status is None
    assert [r.item_id for r in before.inactive] == ["RETIRED-1-item"]
    assert before.inactive[0].item is None

    algorithm.type = AlgorithmType.GENERATION_SYNTHESIS
    algorithm.save()
    after = assessment_status(algorithm)
    assert "LABEL-5-implicit-metadata" in {r.item_id for r in after.rows}
    assert {r.item_id: r.status for r in after.inactive} == {
        "ARS-17-opt-out": "compliant",
        "RETIRED-1-item": "compliant",
    }
    assert after.inactive[0].item.area == "user_rights"
    # Still applicable whatever the type:
    assert {r.item_id: r.status for r in after.rows}["ARS-16-prominent-notice"] == "partial"
    assert Answer.objects.filter(assessment=assessment).count() == 3

    algorithm.type = AlgorithmType.PERSONALIZED_PUSH
    algorithm.save()
    back = assessment_status(algorithm)
    assert {r.item_id: r.status for r in back.rows}["ARS-17-opt-out"] == "compliant"


def test_changing_the_role_or_gai_flag_re_evaluates(catalogue):
    algorithm = AlgorithmFactory(type=AlgorithmType.GENERATION_SYNTHESIS)
    assert "DS-9-real-name" in _ids(algorithm) and not _ids(algorithm) & GAI_SAFETY
    algorithm.generative_ai_service = True
    algorithm.save()
    assert GAI_SAFETY <= _ids(algorithm)
    algorithm.generative_ai_service = False
    algorithm.role = Role.TECHNICAL_SUPPORTER
    algorithm.save()
    assert "DS-9-real-name" not in _ids(algorithm)


def test_an_item_made_inactive_in_the_catalogue_stops_applying(catalogue):
    algorithm = AlgorithmFactory(type=AlgorithmType.PERSONALIZED_PUSH)
    CatalogueItem.objects.filter(item_id="ARS-17-opt-out").update(active=False)
    assert "ARS-17-opt-out" not in _ids(algorithm)


def test_items_come_in_catalogue_order(catalogue):
    algorithm = AlgorithmFactory(type=AlgorithmType.PERSONALIZED_PUSH)
    positions = [row.item.position for row in assessment_status(algorithm).rows]
    assert positions == sorted(positions)
