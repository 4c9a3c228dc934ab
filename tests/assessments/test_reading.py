"""Opening the self-assessment creates nothing; the first save of each part does."""

import pytest
from django.urls import reverse

from assessments.catalogue import ensure_loaded
from assessments.models import Answer, Assessment
from demo.workspace import load_demo
from filings.models import Algorithm, SnapshotVersion
from tests.readonly import no_writes
from workspaces.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat():
    """The demo's generative algorithm: no self-assessment yet, TC260 items with dots in their ids."""
    ensure_loaded()
    load_demo()
    return Algorithm.objects.get(name="示例AI助手生成合成算法")


def page_url(algorithm):
    return reverse("assessments:page", args=[algorithm.workspace.slug, algorithm.pk])


def save_new_url(algorithm, kind, key):
    return reverse(
        "filings:panel-save-new", args=[algorithm.workspace.slug, algorithm.pk, kind, key]
    )


def owner_of(algorithm):
    return algorithm.workspace.memberships.get(role=Role.OWNER).user


@pytest.mark.parametrize("role", [Role.OWNER, Role.EDITOR, Role.REVIEWER, Role.VIEWER])
def test_no_role_writes_by_opening_the_page(client, chat, member_factory, role):
    user = owner_of(chat) if role == Role.OWNER else member_factory(chat.workspace, role)
    client.force_login(user)
    versions = SnapshotVersion.objects.count()
    with no_writes(label=f"the self-assessment page as {role}"):
        response = client.get(page_url(chat))
    assert response.status_code == 200
    assert not Assessment.objects.filter(algorithm=chat).exists()
    assert SnapshotVersion.objects.count() == versions


def test_the_first_save_of_the_dates_creates_the_assessment(client, chat):
    client.force_login(owner_of(chat))
    body = client.get(page_url(chat)).content.decode()
    url = save_new_url(chat, "assessment-dates", "new")
    assert f'hx-post="{url}"' in body
    response = client.post(
        url, {"assessment-dates-new-new-assessed_on": "2025-03-01"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assessment = Assessment.objects.get(algorithm=chat)
    assert str(assessment.assessed_on) == "2025-03-01"
    assert not assessment.answers.exists()  # answers come one by one, when answered
    # The conclusion's form of the same page finds the assessment the dates created.
    client.post(
        save_new_url(chat, "assessment-conclusion", "new"),
        {"assessment-conclusion-new-new-conclusion": "风险可控。"},
        HTTP_HX_REQUEST="true",
    )
    assert Assessment.objects.get(algorithm=chat).conclusion == "风险可控。"
    assert Assessment.objects.filter(algorithm=chat).count() == 1


def test_an_item_id_with_a_dot_makes_a_valid_prefix(client, chat):
    client.force_login(owner_of(chat))
    response = client.get(page_url(chat))
    item = next(
        row.item_id
        for area in response.context["areas"]
        for entry in area["rows"]
        if "." in (row := entry["row"]).item_id
    )
    prefix = "answer-new-" + item.replace(".", "_")
    assert f'data-panel="{prefix}"' in response.content.decode()
    saved = client.post(
        save_new_url(chat, "answer", item),
        {f"{prefix}-status": "compliant", f"{prefix}-measures": "已建立语料来源台账。"},
        HTTP_HX_REQUEST="true",
    )
    assert saved.status_code == 200
    answer = Answer.objects.get(assessment__algorithm=chat, item=item)
    assert answer.status == "compliant"


def test_read_only_roles_may_not_answer(client, chat, member_factory):
    for role in (Role.VIEWER, Role.REVIEWER):
        client.force_login(member_factory(chat.workspace, role))
        url = save_new_url(chat, "answer", "ARS-7-management-systems")
        prefix = "answer-new-ARS-7-management-systems"
        assert client.post(url, {f"{prefix}-status": "compliant"}).status_code == 403
    assert not Assessment.objects.filter(algorithm=chat).exists()


def test_a_viewer_sees_unanswered_items_as_such(client, member_factory):
    ensure_loaded()
    load_demo()
    feed = Algorithm.objects.get(name="示例新闻个性化推荐算法")  # assessed in full
    feed.assessment.answers.filter(item__in=["ARS-17-opt-out", "ARS-22-complaints"]).delete()
    client.force_login(member_factory(feed.workspace, Role.VIEWER))
    response = client.get(page_url(feed), HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert f"/algorithms/{feed.pk}/panels/" not in body and "hx-post" not in body
    assert body.count("Not answered yet.") == 2
    assert response.context["summary"].applicable - response.context["summary"].answered == 2


def test_with_an_assessment_but_no_conclusion_the_check_step_works(client, chat):
    """Once a self-assessment exists without a conclusion, the 检查 step and each
    step's checks answer (they used to fail on the assessment's fields), and the
    missing conclusion links to the self-assessment page."""
    client.force_login(owner_of(chat))
    client.post(
        save_new_url(chat, "assessment-dates", "new"),
        {"assessment-dates-new-new-assessed_on": "2025-03-01"},
        HTTP_HX_REQUEST="true",
    )
    assessment = Assessment.objects.get(algorithm=chat)
    slug = chat.workspace.slug
    response = client.get(reverse("filings:wizard", args=[slug, chat.pk, "review"]))
    assert response.status_code == 200
    conclusion = (
        f"/algorithms/{chat.pk}/assessment/#id_assessment-conclusion-{assessment.pk}-conclusion"
    )
    assert conclusion in response.content.decode()
    for step in ("entity", "basic", "detail", "products", "disclosure", "attachments", "review"):
        url = reverse("filings:wizard-checks", args=[slug, chat.pk, step])
        assert client.get(url).status_code == 200
