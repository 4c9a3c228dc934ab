"""Issue 12 §5–6: no conclusion without an assessment, and screening questions
that never silently drop obligations.

Each check is tried on complete data (tests.factories.complete_algorithm,
which answers every screening question and every applicable item) and on
the same data broken in one place.
"""

import copy
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from assessments.models import Answer
from assessments.selectors import check_catalogue
from demo.workspace import load_demo
from filings import obligations
from filings.applicability import APPLIES, PROVISIONAL, CatalogueRules, applicability
from filings.checks import ERROR, WARNING, run_checks
from filings.choices import AlgorithmType
from filings.interchange import algorithm_snapshot, export_workspace
from filings.wizard_forms import ServiceForm
from tests.factories import (
    AlgorithmFactory,
    DeploymentFactory,
    ServiceFactory,
    complete_algorithm,
)

pytestmark = pytest.mark.django_db

S = "/providers/0/services/0"
A = "/providers/0/algorithms/0"
MY_CODES = (
    "screening_unanswered",
    "assessment_missing",
    "assessment_unanswered",
    "rectification_missing",
    "metric_outside_threshold",
    "conclusion_unsupported",
    "partial_without_reason",
)


def problems(algorithm, document=None, **kwargs):
    document = document or export_workspace(algorithm.workspace)
    kwargs.setdefault("catalogue", check_catalogue())
    return [
        (p.code, p.severity, p.pointer)
        for p in run_checks(document, **kwargs)
        if p.code in MY_CODES
    ]


def messages(algorithm, code):
    document = export_workspace(algorithm.workspace)
    return [p for p in run_checks(document, catalogue=check_catalogue()) if p.code == code]


def service_of(algorithm):
    return algorithm.deployments.get().service


def answer(algorithm, item=None) -> Answer:
    answers = algorithm.assessment.answers
    return answers.get(item=item) if item else answers.order_by("item").first()


def check_filing(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("check_filing", *args, stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def assessment_items(*args) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("assessment_items", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def algorithm():
    return complete_algorithm()


@pytest.fixture
def dispatch():
    """A rider-dispatch algorithm whose product leaves every screening question open."""
    algorithm = AlgorithmFactory(type=AlgorithmType.DISPATCH_DECISION, name="示例骑手派单算法")
    service = ServiceFactory(provider=algorithm.provider, name="示例外卖")
    DeploymentFactory(algorithm=algorithm, service=service)
    return algorithm


# ---------------------------------------------------------------------------
# Complete data passes every one of these checks
# ---------------------------------------------------------------------------


def test_complete_data_passes_every_check_of_the_assessment(algorithm):
    assert problems(algorithm) == []


def test_the_demos_feed_and_search_are_assessed_in_full():
    workspace = load_demo()
    document = export_workspace(workspace)
    for name in ("示例新闻个性化推荐算法", "示例新闻搜索算法"):
        found = [
            p
            for p in run_checks(document, algorithm=name, catalogue=check_catalogue())
            if p.code in MY_CODES
        ]
        assert found == [], name


# ---------------------------------------------------------------------------
# §6 Screening
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "pointer"),
    [
        ("public_opinion_attributes", f"{S}/public_opinion_attributes"),
        ("social_mobilization", f"{S}/social_mobilization"),
        ("serves_minors", f"{S}/x/serves_minors"),
        ("involves_workers", f"{S}/x/involves_workers"),
        ("consumer_pricing", f"{S}/x/consumer_pricing"),
    ],
)
def test_an_unanswered_screening_question_is_an_error_on_the_service(algorithm, field, pointer):
    service = service_of(algorithm)
    setattr(service, field, None)
    service.save()
    assert ("screening_unanswered", ERROR, pointer) in problems(algorithm)
    (problem,) = messages(algorithm, "screening_unanswered")
    assert problem.blocks == "approval"
    assert "provisionally" in problem.message


def test_a_service_no_algorithm_uses_is_not_screened(algorithm):
    ServiceFactory(provider=algorithm.provider, name="未使用的产品")
    assert [p for p in problems(algorithm) if p[0] == "screening_unanswered"] == []


def test_check_filing_reports_the_unanswered_screening(dispatch):
    status, output = check_filing(dispatch.workspace.slug, "--json")
    assert status == 1
    found = {
        (p["pointer"], p["severity"], p["blocks"])
        for p in json.loads(output)
        if p["code"] == "screening_unanswered"
    }
    assert (f"{S}/x/involves_workers", "error", "approval") in found
    assert (f"{S}/x/serves_minors", "error", "approval") in found


def test_assessment_items_lists_the_workers_items_as_provisional(dispatch):
    slug = dispatch.workspace.slug
    rows = json.loads(assessment_items(slug, "--algorithm", dispatch.name, "--json"))
    by_id = {row["id"]: row for row in rows}
    for item in ("ARS-20-order-allocation", "ARS-20-pay-and-rewards", "ARS-20-working-time"):
        assert by_id[item]["provisional"] is True
    assert by_id["ARS-7-management-systems"]["provisional"] is False
    listing = assessment_items(slug, "--algorithm", dispatch.name)
    line = next(x for x in listing.splitlines() if x.startswith("ARS-20-order-allocation"))
    assert line.endswith("[to be confirmed]")
    assert "[to be confirmed]" not in next(
        x for x in listing.splitlines() if x.startswith("ARS-7-management-systems")
    )


def test_answering_no_drops_the_items_and_yes_makes_them_definite(dispatch):
    service = service_of(dispatch)
    slug = dispatch.workspace.slug
    service.involves_workers = False
    service.save()
    rows = json.loads(assessment_items(slug, "--algorithm", dispatch.name, "--json"))
    assert not any(row["area"] == "workers" for row in rows)
    service.involves_workers = True
    service.save()
    rows = json.loads(assessment_items(slug, "--algorithm", dispatch.name, "--json"))
    workers = [row for row in rows if row["area"] == "workers"]
    assert workers and not any(row["provisional"] for row in workers)


def test_applicability_is_provisional_only_where_an_open_fact_decides():
    condition = {
        "all": [{"fact": "role", "is": "service_provider"}, {"fact": "serves_minors", "is": True}]
    }
    facts = {"role": "service_provider", "serves_minors": False}
    assert applicability(condition, facts, {"serves_minors"}) == PROVISIONAL
    assert (
        applicability(condition, {**facts, "role": "technical_supporter"}, {"serves_minors"})
        != PROVISIONAL
    )
    assert applicability({}, facts, {"serves_minors"}) == APPLIES
    negated = {"not": {"fact": "serves_minors", "is": True}}
    assert applicability(negated, facts, {"serves_minors"}) == PROVISIONAL


def test_obligations_of_an_open_question_are_listed_to_be_confirmed(client, member_factory):
    algorithm = complete_algorithm()
    service = service_of(algorithm)
    service.public_opinion_attributes = None
    service.social_mobilization = None
    service.opinion_features = []
    service.save()
    found = {o.code: o.provisional for o in obligations.applicable(algorithm_snapshot(algorithm))}
    assert found["algorithm_filing"] is True
    from workspaces.models import Role

    client.force_login(member_factory(algorithm.workspace, Role.VIEWER))
    body = client.get(
        reverse("filings:algorithm", args=[algorithm.workspace.slug, algorithm.pk]),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    ).content.decode()
    assert 'data-obligation="algorithm_filing" data-provisional' in body
    assert "待确认" in body
    # Answered "no": the obligation no longer applies, and nothing is to be confirmed.
    service.public_opinion_attributes = False
    service.social_mobilization = False
    service.save()
    codes = {o.code for o in obligations.applicable(algorithm_snapshot(algorithm))}
    assert "algorithm_filing" not in codes


def test_the_assessment_page_marks_provisional_items(client, member_factory, dispatch):
    from workspaces.models import Role

    client.force_login(member_factory(dispatch.workspace, Role.VIEWER))
    url = reverse("assessments:page", args=[dispatch.workspace.slug, dispatch.pk])
    body = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-item="ARS-20-order-allocation"' in body
    start = body.index('data-item="ARS-20-order-allocation"')
    assert "data-provisional" in body[start : start + 200]
    assert "待确认" in body
    start = body.index('data-item="ARS-7-management-systems"')
    assert "data-provisional" not in body[start : start + 200]


@pytest.mark.parametrize(
    ("language", "field", "example"),
    [
        ("en", "involves_workers", "riders"),
        ("zh-hans", "involves_workers", "骑手"),
        ("en", "serves_minors", "youth"),
        ("zh-hans", "serves_minors", "青少年模式"),
        ("en", "consumer_pricing", "dynamic"),
        ("zh-hans", "consumer_pricing", "动态定价"),
        ("en", "public_opinion_attributes", "comments"),
        ("zh-hans", "social_mobilization", "动员"),
    ],
)
def test_each_screening_question_has_examples_in_both_languages(language, field, example):
    with translation.override(language):
        assert example in str(ServiceForm().fields[field].help_text)


# ---------------------------------------------------------------------------
# §5 The assessment behind the conclusion
# ---------------------------------------------------------------------------


def test_no_assessment_at_all_is_an_error(algorithm):
    algorithm.assessment.delete()
    assert problems(algorithm) == [("assessment_missing", ERROR, f"{A}/assessment")]


def test_an_unassessed_item_is_an_error_and_makes_controllable_unsupported(algorithm):
    answer(algorithm, "ARS-22-complaints").delete()
    blank = answer(algorithm, "ARS-17-opt-out")
    blank.status = ""
    blank.save()
    assert problems(algorithm) == [
        ("conclusion_unsupported", ERROR, f"{A}/assessment/conclusion"),
        ("assessment_unanswered", ERROR, f"{A}/assessment/answers"),
    ]
    (problem,) = messages(algorithm, "assessment_unanswered")
    assert "2 of the" in problem.message
    assert "ARS-17-opt-out" in problem.message and "ARS-22-complaints" in problem.message


def test_a_conclusion_that_does_not_claim_control_is_not_refused(algorithm):
    answer(algorithm, "ARS-22-complaints").delete()
    algorithm.assessment.conclusion = "尚有一项未评估，评估完成后再作结论。"
    algorithm.assessment.save()
    assert problems(algorithm) == [("assessment_unanswered", ERROR, f"{A}/assessment/answers")]


def test_an_english_conclusion_claiming_control_is_read_too(algorithm):
    answer(algorithm, "ARS-22-complaints").delete()
    algorithm.assessment.conclusion = "The risks are under control overall."
    algorithm.assessment.save()
    assert ("conclusion_unsupported", ERROR, f"{A}/assessment/conclusion") in problems(algorithm)


def _index(algorithm, item) -> int:
    document = export_workspace(algorithm.workspace)
    answers = document["providers"][0]["algorithms"][0]["assessment"]["answers"]
    return next(i for i, a in enumerate(answers) if a["item"] == item)


def test_non_compliant_needs_a_rectification_plan_and_a_date(algorithm):
    row = answer(algorithm, "ARS-22-complaints")
    row.status = "non_compliant"
    row.save()
    i = _index(algorithm, "ARS-22-complaints")
    assert problems(algorithm) == [
        ("conclusion_unsupported", ERROR, f"{A}/assessment/conclusion"),
        ("rectification_missing", ERROR, f"{A}/assessment/answers/{i}/x/rectification"),
    ]
    row.rectification = "上线算法投诉专用入口并配备专人处理。"
    row.save()
    assert problems(algorithm) == [
        ("conclusion_unsupported", ERROR, f"{A}/assessment/conclusion"),
        ("rectification_missing", ERROR, f"{A}/assessment/answers/{i}/x/rectification_due"),
    ]
    row.rectification_due = dt.date(2025, 6, 30)
    row.save()
    assert problems(algorithm) == []


def test_partial_without_a_reason_is_a_warning(algorithm):
    row = answer(algorithm, "ARS-22-complaints")
    row.status = "partial"
    row.save()
    i = _index(algorithm, "ARS-22-complaints")
    assert problems(algorithm) == [
        ("partial_without_reason", WARNING, f"{A}/assessment/answers/{i}/justification")
    ]
    row.justification = "投诉入口尚未覆盖网页版，计划于2025年6月前上线。"
    row.save()
    assert problems(algorithm) == []


def test_answers_to_items_that_do_not_apply_are_not_checked(algorithm):
    Answer.objects.create(
        workspace=algorithm.workspace,
        assessment=algorithm.assessment,
        item="ARS-20-order-allocation",  # workers: answered "no" on the product
        status="non_compliant",
    )
    assert problems(algorithm) == []


def _metric_catalogue(item: str) -> CatalogueRules:
    real = check_catalogue()
    items = tuple(
        (item_id, condition, ("keyword_count",) if item_id == item else metrics)
        for item_id, condition, metrics in real.items
    )
    return CatalogueRules(items=items, metrics={"keyword_count": (">=", Decimal(10000), "count")})


def test_a_metric_outside_its_threshold_needs_a_justification(algorithm):
    item = "ARS-9-feature-library"
    catalogue = _metric_catalogue(item)
    document = export_workspace(algorithm.workspace)
    feed = document["providers"][0]["algorithms"][0]
    feed["assessment"]["metrics"] = {"keyword_count": 10000}
    assert problems(algorithm, document, catalogue=catalogue) == []  # at the limit passes
    feed["assessment"]["metrics"] = {"keyword_count": 500}
    assert sorted(problems(algorithm, document, catalogue=catalogue)) == [
        ("conclusion_unsupported", ERROR, f"{A}/assessment/conclusion"),
        ("metric_outside_threshold", ERROR, f"{A}/assessment/metrics/keyword_count"),
    ]
    message = next(
        p.message
        for p in run_checks(document, catalogue=catalogue)
        if p.code == "metric_outside_threshold"
    )
    assert "≥ 10000" in message and item in message
    justified = copy.deepcopy(document)
    row = next(
        a
        for a in justified["providers"][0]["algorithms"][0]["assessment"]["answers"]
        if a["item"] == item
    )
    row["justification"] = "关键词库扩充中，现有500个关键词辅以分类模型拦截，2025年6月前达到1万个。"
    assert problems(algorithm, justified, catalogue=catalogue) == []


def test_without_a_catalogue_the_item_checks_are_skipped(algorithm):
    answer(algorithm, "ARS-22-complaints").delete()
    assert problems(algorithm, catalogue=None) == []


def test_the_approval_is_refused_while_items_are_unassessed(algorithm):
    from filings import lifecycle
    from filings.snapshot import content

    answer(algorithm, "ARS-22-complaints").delete()
    found = lifecycle.content_problems(algorithm, content(algorithm))
    blocking = lifecycle.blocking_errors(found)
    assert "assessment_unanswered" in {p.code for p in blocking}


def test_the_suggested_conclusion_claims_control_only_once_all_is_assessed():
    from assessments.selectors import Summary, suggested_conclusion
    from filings.checks import CONTROLLABLE_RE

    counts = {"compliant": 40, "partial": 0, "non_compliant": 0, "not_applicable": 0}
    incomplete = suggested_conclusion(Summary(counts, 43, 40, [], []), "示例算法")
    assert "尚有3项未评估" in incomplete and not CONTROLLABLE_RE.search(incomplete)
    complete = suggested_conclusion(Summary(counts, 40, 40, [], []), "示例算法")
    assert CONTROLLABLE_RE.search(complete)
