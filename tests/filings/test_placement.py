"""filings.placement: every pointer the checks emit lands on a real step and
field, and the wizard, the review page and the comment threads agree on it."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from assessments.models import Assessment, Metric
from assessments.selectors import assessment_status
from demo.workspace import load_demo
from filings import lifecycle, placement, pointers, snapshot
from filings.models import Algorithm, Filing, Provider
from filings.placement import ASSESSMENT, Placer, locate, step_of
from filings.wizard import STEP_CODES
from filings.wizard_views import _problems
from tests.factories import complete_algorithm
from workspaces.models import Role

pytestmark = pytest.mark.django_db

A = "/providers/0/algorithms/0"


def _all_problems(algorithm) -> list:
    """What the wizard's 检查 step and the review page check, together."""
    wizard_problems, _locations = _problems(algorithm)
    review_problems = lifecycle.content_problems(algorithm, snapshot.content(algorithm))
    seen, out = set(), []
    for problem in [*wizard_problems, *review_problems]:
        if problem.pointer not in seen:
            seen.add(problem.pointer)
            out.append(problem)
    return out


def _assert_each_lands_on_its_field(client, algorithm) -> list:
    """GET the page each problem links to and find the element it names."""
    slug = algorithm.workspace.slug
    placer = Placer(algorithm)
    pages: dict[str, str] = {}
    problems = _all_problems(algorithm)
    assert problems
    for problem in problems:
        where = placer(problem.pointer)
        assert where.step in (*STEP_CODES, ASSESSMENT), (problem.code, problem.pointer)
        location = locate(problem.pointer)
        assert location is not None, problem.pointer
        if location.field and not location.rest:
            # A field: its form field, on the page of its panel.
            assert where.attr and where.element, (problem.code, problem.pointer, where)
        url = where.url(slug, algorithm.pk)
        path = urlsplit(url).path
        if path not in pages:
            response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
            assert response.status_code == 200, path
            pages[path] = response.content.decode()
        if where.element:
            assert f'id="{where.element}"' in pages[path], (problem.code, problem.pointer, url)
    return problems


def test_the_demos_problems_land_on_their_fields(client):
    workspace = load_demo()
    client.force_login(workspace.memberships.get(role=Role.OWNER).user)
    codes = set()
    for algorithm in Algorithm.objects.filter(workspace=workspace):
        codes |= {p.code for p in _assert_each_lands_on_its_field(client, algorithm)}
    assert {"required", "material_missing", "assessment_missing"} <= codes


def test_a_blank_workspaces_problems_land_on_their_fields(client, workspace, owner):
    provider = Provider.objects.create(workspace=workspace)
    algorithm = Algorithm.objects.create(workspace=workspace, provider=provider)
    Filing.objects.create(workspace=workspace, algorithm=algorithm)
    client.force_login(owner)
    problems = _assert_each_lands_on_its_field(client, algorithm)
    # The disclosure nobody saved yet: its fields are on the page all the same.
    where = Placer(algorithm)(f"{A}/disclosure/purpose")
    assert where.prefix == "disclosure-new-new" and where.element == "id_disclosure-new-new-purpose"
    assert "deployment_missing" in {p.code for p in problems}


def _failing(metric: Metric) -> Decimal:
    return metric.threshold - 1 if metric.comparator == ">=" else metric.threshold + 1


def test_the_self_assessments_problems_land_on_its_page(client, workspace, owner):
    algorithm = complete_algorithm(workspace=workspace, generative_ai_service=True)
    assessment = Assessment.objects.get(algorithm=algorithm)
    rows = [row for row in assessment_status(algorithm).rows if row.answer]
    non_compliant, partial = rows[0].answer, rows[1].answer
    non_compliant.status, non_compliant.rectification = "non_compliant", ""
    non_compliant.save()
    partial.status, partial.justification = "partial", ""
    partial.save()
    metric_ids = {m for row in rows for m in (row.item.metrics or [])}
    # A generative service: the TC260-003 items ask for quantities.
    metric = Metric.objects.filter(metric_id__in=metric_ids, active=True).first()
    assessment.metrics = {**assessment.metrics, metric.metric_id: int(_failing(metric))}
    for row in rows:
        if metric.metric_id in (row.item.metrics or []):
            row.answer.justification = ""
            row.answer.rectification = ""
            row.answer.save()
    assessment.save()
    client.force_login(owner)
    problems = _assert_each_lands_on_its_field(client, algorithm)
    codes = {p.code for p in problems}
    assert {
        "rectification_missing",
        "partial_without_reason",
        "conclusion_unsupported",
        "metric_outside_threshold",
    } <= codes
    placer = Placer(algorithm)
    rectification = next(p for p in problems if p.code == "rectification_missing")
    where = placer(rectification.pointer)
    assert (where.step, where.element) == (
        ASSESSMENT,
        f"id_answer-{non_compliant.pk}-rectification",
    )
    conclusion = placer(f"{A}/assessment/conclusion")
    assert conclusion.element == f"id_assessment-conclusion-{assessment.pk}-conclusion"
    where = placer(f"{A}/assessment/metrics/{metric.metric_id}")
    assert where.element == f"id_assessment-metrics-{algorithm.pk}-{metric.metric_id}"


@pytest.mark.parametrize(
    "pointer, step",
    [
        ("/providers/0/uscc", "entity"),
        ("/providers/0/management_systems/1/title", "entity"),
        ("/providers/0/services/0/x/serves_minors", "products"),
        (f"{A}/type", "basic"),
        (f"{A}/summary", "detail"),
        (f"{A}/technical_service_modes", "products"),
        (f"{A}/output_modalities/1", "detail"),
        (f"{A}/deployments", "products"),
        (f"{A}/deployments/0/service", "products"),
        (f"{A}/third_party_models", "detail"),
        (f"{A}/disclosure/purpose", "disclosure"),
        (f"{A}/attachments/flowchart", "attachments"),
        ("/attachments/flowchart", "attachments"),
        (f"{A}/assessment", ASSESSMENT),
        (f"{A}/assessment/answers", ASSESSMENT),
        (f"{A}/assessment/answers/3/x/rectification", ASSESSMENT),
        (f"{A}/assessment/metrics/keyword_count", ASSESSMENT),
        (f"{A}/filings/0/filing_number", "basic"),
        ("/snapshot/providers/0/algorithms/0/name", "basic"),
        ("", None),
        ("/workspace/name", None),
    ],
)
def test_a_pointer_has_one_step(pointer, step):
    assert step_of(pointer) == step


def test_the_review_page_links_each_check_to_the_same_place_as_the_wizard(
    client, workspace, member_factory
):
    provider = Provider.objects.create(workspace=workspace)
    algorithm = Algorithm.objects.create(workspace=workspace, provider=provider)
    filing = Filing.objects.create(workspace=workspace, algorithm=algorithm)
    client.force_login(member_factory(workspace, Role.EDITOR))
    wizard = client.get(
        reverse("filings:wizard", args=[workspace.slug, algorithm.pk, "review"]),
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    review = client.get(
        reverse("reviews:review", args=[workspace.slug, filing.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    url = Placer(algorithm)("/providers/0/legal_representative/name").url(
        workspace.slug, algorithm.pk
    )
    assert url.endswith(f"/edit/entity/#id_provider-{provider.pk}-legal_rep_name")
    assert f'href="{url}"' in wizard and f'href="{url}"' in review


def test_pointer_escaping_round_trips():
    parts = ["providers", 0, "a/b", "c~1d", "~"]
    pointer = pointers.join(*parts)
    assert pointer == "/providers/0/a~1b/c~01d/~0"
    assert pointers.split(pointer) == [str(p) for p in parts]
    assert pointers.split("") == []


def test_an_unknown_pointer_is_placed_nowhere_and_links_to_the_check_step(workspace):
    provider = Provider.objects.create(workspace=workspace)
    algorithm = Algorithm.objects.create(workspace=workspace, provider=provider)
    where = Placer(algorithm)("/workspace/name")
    assert where.step is None and where.wizard_step == "review"
    assert where.url(workspace.slug, algorithm.pk).endswith("/edit/review/")
    assert placement.locate("/providers/0/algorithms/0/no_such_field") is None


def test_a_checkbox_list_has_its_own_problems_and_the_link_lands_on_it(client, workspace, owner):
    provider = Provider.objects.create(workspace=workspace)
    algorithm = Algorithm.objects.create(workspace=workspace, provider=provider)
    client.force_login(owner)
    field = f"id_algorithm-detail-{algorithm.pk}-input_modalities"
    page = client.get(
        reverse("filings:wizard", args=[workspace.slug, algorithm.pk, "detail"])
    ).content.decode()
    assert f'<fieldset id="{field}">' in page
    assert 'id="ck-"' not in page and 'id="fb-"' not in page
    checks = client.get(
        reverse("filings:wizard-checks", args=[workspace.slug, algorithm.pk, "detail"]),
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    beside = checks.split(f'id="ck-{field}"', 1)[1].split("</div>\n", 1)[0]
    assert 'data-check="required"' in beside
