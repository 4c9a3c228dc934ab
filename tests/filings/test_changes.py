"""Change filings (变更备案): the 变更 field list, whether a change filing is
due, starting one, the baseline moving when it is filed, imported and demo
baselines, and filing numbers (normalised, duplicates warned, corrected by
owners only)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from filings import changes, interchange, versions
from filings.choices import FilingKind
from filings.choices import FilingStatus as S
from filings.models import Activity, Filing
from reviews import services as review_services
from reviews.forms import FiledForm
from tests.factories import (
    AlgorithmFactory,
    DeploymentFactory,
    DisclosureFactory,
    FilingFactory,
    ProviderFactory,
    ServiceFactory,
    WorkspaceFactory,
)
from workspaces.models import Role

pytestmark = pytest.mark.django_db

NUMBER = "网信算备110108823483901230031号"
OTHER_NUMBER = "网信算备110108823483901230042号"
ALG = "/snapshot/providers/0/algorithms/0"
ROLES = (Role.OWNER, Role.EDITOR, Role.REVIEWER, Role.VIEWER)


@pytest.fixture
def members(workspace, member_factory) -> dict:
    return {role: member_factory(workspace, role) for role in ROLES}


@pytest.fixture
def algorithm(workspace, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        provider = ProviderFactory(workspace=workspace, legal_rep_name="张三")
        algorithm = AlgorithmFactory(provider=provider, name="示例新闻推荐算法")
        DeploymentFactory(algorithm=algorithm, function_name="首页推荐")
        DisclosureFactory(algorithm=algorithm, basic_principle="召回与排序。")
    return algorithm


def _file(filing, by, capture, number=NUMBER):
    Filing.objects.filter(pk=filing.pk).update(
        status=S.SUBMITTED, submitted_on=dt.date(2025, 2, 20)
    )
    filing.refresh_from_db()
    with capture(execute=True):
        review_services.filing_record(
            filing=filing, by=by, filing_number=number, filed_on=dt.date(2025, 2, 28)
        )
    filing.refresh_from_db()
    return filing


@pytest.fixture
def filed(algorithm, members, django_capture_on_commit_callbacks):
    filing = FilingFactory(algorithm=algorithm)
    return _file(filing, members[Role.EDITOR], django_capture_on_commit_callbacks)


def _edit(obj, capture, **values):
    for name, value in values.items():
        setattr(obj, name, value)
    with capture(execute=True):
        obj.save()


# ---------------------------------------------------------------------------
# The field list
# ---------------------------------------------------------------------------


class TestChangeFields:
    def test_every_entry_is_a_pointer_with_a_cited_source(self):
        data = json.loads(changes.FIELDS_FILE.read_text(encoding="utf-8"))
        assert data["fields"]
        for entry in data["fields"]:
            assert entry["pointer"].startswith("/snapshot/providers/0/")
            assert entry["source"] in data["sources"]
            assert "portal-details.md" in data["sources"][entry["source"]] or (
                "cac-filing-reference.md" in data["sources"][entry["source"]]
            )

    @pytest.mark.parametrize(
        "pointer",
        [
            f"{ALG}/disclosure/basic_principle",
            f"{ALG}/disclosure/operating_mechanism",
            f"{ALG}/disclosure/application_scenario",
            f"{ALG}/disclosure/purpose",
            "/snapshot/providers/0/name",
            "/snapshot/providers/0/legal_representative/id_number",
            "/snapshot/providers/0/security_officer/name",
            f"{ALG}/name",
            f"{ALG}/type",
            f"{ALG}/application_domains",
            f"{ALG}/deployments/0/access_path",
            f"{ALG}/deployments/1",
            f"{ALG}/third_party_models/0/name",
        ],
    )
    def test_the_cac_change_fields_are_on_the_list(self, pointer):
        assert changes.is_change_field(pointer)

    @pytest.mark.parametrize(
        "pointer",
        [
            f"{ALG}/disclosure/disclosure_note",
            f"{ALG}/summary",
            f"{ALG}/x/infrastructure",
            "/snapshot/providers/0/x/staff_requirements",
            "/snapshot/providers/0/security_organization/description",
            "/snapshot/providers/0/management_systems/0/summary",
            "/snapshot/providers/0/services/0/target_users",
            f"{ALG}/assessment/conclusion",
            "/attachments/flowchart",
        ],
    )
    def test_other_fields_are_not(self, pointer):
        assert not changes.is_change_field(pointer)

    def test_a_field_outside_the_list_raises_no_change(self, algorithm):
        before = versions.content(algorithm)
        after = json.loads(json.dumps(before))
        after["snapshot"]["providers"][0]["algorithms"][0]["summary"] = "新的简介"
        after["snapshot"]["providers"][0]["x"] = {"staff_requirements": "内部说明"}
        assert changes.filing_changes(before, after) == []

    def test_a_change_inside_the_list_is_reported_by_field(self, algorithm):
        before = versions.content(algorithm)
        after = json.loads(json.dumps(before))
        after["snapshot"]["providers"][0]["algorithms"][0]["disclosure"]["purpose"] = "新的意图"
        found = changes.filing_changes(before, after)
        assert [(c.pointer, c.after) for c in found] == [(f"{ALG}/disclosure/purpose", "新的意图")]

    def test_a_linked_service_renamed_is_a_change_an_unlinked_one_is_not(self, algorithm):
        before = versions.content(algorithm)
        after = json.loads(json.dumps(before))
        provider = after["snapshot"]["providers"][0]
        provider["services"].append({"key": "s9", "name": "无关产品", "form": "app"})
        assert changes.filing_changes(before, after) == []
        provider["services"][0]["name"] = "改名后的产品"
        found = changes.filing_changes(before, after)
        assert [c.pointer for c in found] == [f"{ALG}/deployments/0/service"]
        assert "改名后的产品" in found[0].after


# ---------------------------------------------------------------------------
# Due, and the one deadline rule
# ---------------------------------------------------------------------------


class TestDue:
    def test_an_internal_note_raises_no_change_filing(
        self, algorithm, filed, django_capture_on_commit_callbacks
    ):
        _edit(algorithm, django_capture_on_commit_callbacks, summary="改写的简介。")
        _edit(
            algorithm.provider,
            django_capture_on_commit_callbacks,
            security_staff_requirements="内部说明",
        )
        assert changes.change_status(algorithm) is None

    def test_a_service_the_algorithm_does_not_use_raises_none(
        self, algorithm, filed, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            service = ServiceFactory(provider=algorithm.provider, name="无关产品")
        _edit(service, django_capture_on_commit_callbacks, name="无关产品改名")
        assert changes.change_status(algorithm) is None

    def test_a_change_field_raises_one_with_the_10_working_day_deadline(
        self, algorithm, filed, django_capture_on_commit_callbacks
    ):
        _edit(algorithm.provider, django_capture_on_commit_callbacks, legal_rep_name="王五")
        status = changes.change_status(algorithm)
        assert status is not None
        assert [c.pointer for c in status.changes] == [
            "/snapshot/providers/0/legal_representative/name"
        ]
        from filings.deadlines import change_filing_due

        assert status.deadline == change_filing_due(status.changed_on).deadline
        # The same rule as next_deadline gives for a filed algorithm with that change.
        document = interchange.algorithm_snapshot(algorithm)["providers"][0]["algorithms"][0]
        from filings.deadlines import next_deadline

        upcoming = next_deadline(document, changed_on=status.changed_on)
        assert upcoming.label == "Change filing due"
        assert upcoming.deadline == status.deadline

    def test_the_dashboard_lists_it_under_needs_attention(
        self, client, algorithm, filed, members, django_capture_on_commit_callbacks
    ):
        url = reverse("filings:dashboard", args=[algorithm.workspace.slug])
        client.force_login(members[Role.VIEWER])
        body = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert 'id="attention"' not in body
        _edit(algorithm, django_capture_on_commit_callbacks, name="改名后的推荐算法")
        body = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        attention = body.split('id="attention"')[1].split("</div>")[0]
        status = changes.change_status(algorithm)
        assert "改名后的推荐算法" in attention
        assert f"Change filing due {status.deadline.due:%Y-%m-%d}" in attention


# ---------------------------------------------------------------------------
# Starting a change filing; the baseline moves when it is filed
# ---------------------------------------------------------------------------


class TestStart:
    def test_start_creates_the_change_filing_with_the_summary(
        self, algorithm, filed, members, django_capture_on_commit_callbacks
    ):
        _edit(algorithm, django_capture_on_commit_callbacks, name="改名后的推荐算法")
        _edit(algorithm.disclosure, django_capture_on_commit_callbacks, purpose="x" * 200)
        status = changes.change_status(algorithm)
        filing = changes.change_filing_start(algorithm=algorithm, by=members[Role.EDITOR])
        assert filing.kind == FilingKind.CHANGE and filing.status == S.DRAFT
        assert filing.event_on == status.changed_on
        lines = filing.change_summary.splitlines()
        assert lines[0] == "算法名称：示例新闻推荐算法 → 改名后的推荐算法"
        assert "目的意图" in lines[1] and "→ xxxxxxxx" in lines[1]
        assert lines[1].endswith("…") and len(lines[1]) < 150
        assert Activity.objects.filter(filing=filing, data__event="change_filing_started").exists()
        # A second one while it is open is refused.
        with pytest.raises(ValidationError, match="already open"):
            changes.change_filing_start(algorithm=algorithm, by=members[Role.EDITOR])

    def test_refused_when_nothing_is_due(self, algorithm, filed, members):
        with pytest.raises(ValidationError, match="No change filing is due"):
            changes.change_filing_start(algorithm=algorithm, by=members[Role.OWNER])

    @pytest.mark.parametrize("role", [Role.REVIEWER, Role.VIEWER])
    def test_refused_to_reviewers_and_viewers(
        self, role, algorithm, filed, members, django_capture_on_commit_callbacks
    ):
        _edit(algorithm, django_capture_on_commit_callbacks, name="改名后的推荐算法")
        with pytest.raises(PermissionDenied):
            changes.change_filing_start(algorithm=algorithm, by=members[role])
        assert not Filing.objects.filter(algorithm=algorithm, kind=FilingKind.CHANGE).exists()

    def test_filing_the_change_moves_the_baseline(
        self, algorithm, filed, members, django_capture_on_commit_callbacks
    ):
        _edit(algorithm, django_capture_on_commit_callbacks, name="改名后的推荐算法")
        change = changes.change_filing_start(algorithm=algorithm, by=members[Role.EDITOR])
        with django_capture_on_commit_callbacks(execute=True):
            approved = versions.record(algorithm)
        Filing.objects.filter(pk=change.pk).update(approved_version=approved)
        _file(change, members[Role.EDITOR], django_capture_on_commit_callbacks)
        assert change.status == S.FILED
        assert change.filed_version_id == approved.pk
        assert changes.last_filed(algorithm) == change
        assert changes.change_status(algorithm) is None
        # The next change is measured from the new baseline.
        _edit(algorithm, django_capture_on_commit_callbacks, name="再次改名的推荐算法")
        status = changes.change_status(algorithm)
        assert [(c.before, c.after) for c in status.changes] == [
            ("改名后的推荐算法", "再次改名的推荐算法")
        ]


class TestStartView:
    @pytest.mark.parametrize(
        ("role", "expected"),
        [(Role.OWNER, 302), (Role.EDITOR, 302), (Role.REVIEWER, 403), (Role.VIEWER, 403)],
    )
    def test_by_role(
        self, client, role, expected, algorithm, filed, members, django_capture_on_commit_callbacks
    ):
        _edit(algorithm, django_capture_on_commit_callbacks, name="改名后的推荐算法")
        client.force_login(members[role])
        detail = reverse("filings:algorithm", args=[algorithm.workspace.slug, algorithm.pk])
        page = client.get(detail, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert 'id="change-filing"' in page
        assert ('data-testid="start-change-filing"' in page) is (expected == 302)
        url = reverse("filings:change-filing-start", args=[algorithm.workspace.slug, algorithm.pk])
        response = client.post(url)
        assert response.status_code == expected
        created = Filing.objects.filter(algorithm=algorithm, kind=FilingKind.CHANGE).first()
        assert (created is not None) is (expected == 302)
        if created:
            assert response["Location"] == reverse(
                "reviews:review", args=[algorithm.workspace.slug, created.pk]
            )

    def test_the_page_speaks_chinese(
        self, client, algorithm, filed, members, django_capture_on_commit_callbacks
    ):
        _edit(algorithm, django_capture_on_commit_callbacks, name="改名后的推荐算法")
        client.force_login(members[Role.OWNER])
        detail = reverse("filings:algorithm", args=[algorithm.workspace.slug, algorithm.pk])
        page = client.get(detail, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "发起变更备案" in page and "须在" in page and "更正备案编号" in page

    def test_get_is_not_allowed_and_another_workspace_is_404(
        self, client, algorithm, filed, members
    ):
        url = reverse("filings:change-filing-start", args=[algorithm.workspace.slug, algorithm.pk])
        client.force_login(members[Role.OWNER])
        assert client.get(url).status_code == 405
        other = WorkspaceFactory()
        stranger_url = reverse("filings:change-filing-start", args=[other.slug, algorithm.pk])
        assert client.post(stranger_url).status_code == 404

    def test_nothing_due_says_so(self, client, algorithm, filed, members):
        client.force_login(members[Role.OWNER])
        url = reverse("filings:change-filing-start", args=[algorithm.workspace.slug, algorithm.pk])
        response = client.post(url, follow=True, HTTP_ACCEPT_LANGUAGE="en")
        assert "No change filing is due" in response.content.decode()
        assert not Filing.objects.filter(algorithm=algorithm, kind=FilingKind.CHANGE).exists()


# ---------------------------------------------------------------------------
# Baselines of imported and demo filings
# ---------------------------------------------------------------------------


class TestBaselines:
    def test_an_imported_filed_filing_has_its_baseline(
        self, algorithm, filed, django_capture_on_commit_callbacks
    ):
        document = interchange.export_workspace(algorithm.workspace)
        target = WorkspaceFactory()
        with django_capture_on_commit_callbacks(execute=True):
            interchange.import_document(document, workspace=target)
        imported = Filing.objects.get(workspace=target)
        assert imported.status == S.FILED and imported.filed_version_id
        copy = imported.algorithm
        assert changes.change_status(copy) is None
        _edit(copy, django_capture_on_commit_callbacks, name="导入后改名的算法")
        assert changes.change_status(copy) is not None

    def test_the_demo_filed_algorithm_has_its_baseline(self, django_capture_on_commit_callbacks):
        from demo.workspace import load_demo

        with django_capture_on_commit_callbacks(execute=True):
            workspace = load_demo(reset=True)
        filing = Filing.objects.get(workspace=workspace, status=S.FILED)
        assert filing.filed_version_id
        assert changes.change_status(filing.algorithm) is None
        _edit(filing.algorithm, django_capture_on_commit_callbacks, strategy="变更后的策略。")
        assert changes.change_status(filing.algorithm) is not None


# ---------------------------------------------------------------------------
# Filing numbers
# ---------------------------------------------------------------------------


class TestNumbers:
    def test_the_filed_form_normalises_full_width_digits_and_spaces(self):
        form = FiledForm(
            {
                "filing_number": "网信算备 １１０１０８８２３４８３９０１２３００３１号",
                "filed_on": "2025-02-28",
            }
        )
        assert form.is_valid(), form.errors
        assert form.cleaned_data["filing_number"] == NUMBER

    def test_the_service_normalises_too(
        self, algorithm, members, django_capture_on_commit_callbacks
    ):
        filing = FilingFactory(algorithm=algorithm)
        _file(
            filing,
            members[Role.EDITOR],
            django_capture_on_commit_callbacks,
            number="网信算备１１０１０８８２３４８３９０１２３００３１号 ",
        )
        assert filing.filing_number == NUMBER

    def test_a_number_recorded_for_another_algorithm_is_warned(
        self, client, algorithm, filed, members, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            other = AlgorithmFactory(provider=algorithm.provider, name="另一个算法")
        filing = FilingFactory(
            algorithm=other, status=S.SUBMITTED, submitted_on=dt.date(2025, 3, 1)
        )
        assert changes.number_warnings(
            workspace_id=other.workspace_id, number=NUMBER, algorithm_id=other.pk
        ) == ["This filing number is already recorded for another algorithm: 示例新闻推荐算法."]
        assert (
            changes.number_warnings(
                workspace_id=other.workspace_id, number=NUMBER, algorithm_id=algorithm.pk
            )
            == []
        )
        client.force_login(members[Role.EDITOR])
        url = reverse("reviews:filed", args=[other.workspace.slug, filing.pk])
        response = client.post(
            url,
            {"filing_number": NUMBER, "filed_on": "2025-03-05"},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert "already recorded for another algorithm" in response.content.decode()

    def test_an_owner_corrects_a_number_with_a_reason(self, client, algorithm, filed, members):
        client.force_login(members[Role.OWNER])
        url = reverse("filings:filing-number-correct", args=[algorithm.workspace.slug, filed.pk])
        response = client.post(
            url,
            {
                "filing_number": "网信算备１１０１０８８２３４８３９０１２３００４２号",
                "reason": "录入时抄错一位",
            },
        )
        assert response.status_code == 302
        filed.refresh_from_db()
        assert filed.filing_number == OTHER_NUMBER
        entry = Activity.objects.get(filing=filed, data__event="filing_number_corrected")
        assert entry.data["from"] == NUMBER and entry.data["to"] == OTHER_NUMBER
        assert entry.data["reason"] == "录入时抄错一位"
        assert filed.history.first().history_change_reason == "录入时抄错一位"

    @pytest.mark.parametrize("role", [Role.EDITOR, Role.REVIEWER, Role.VIEWER])
    def test_only_owners_correct(self, client, role, algorithm, filed, members):
        client.force_login(members[role])
        url = reverse("filings:filing-number-correct", args=[algorithm.workspace.slug, filed.pk])
        response = client.post(url, {"filing_number": OTHER_NUMBER, "reason": "录入错误"})
        assert response.status_code == 403
        filed.refresh_from_db()
        assert filed.filing_number == NUMBER
        with pytest.raises(PermissionDenied):
            changes.filing_number_correct(
                filing=filed, by=members[role], number=OTHER_NUMBER, reason="录入错误"
            )

    def test_the_algorithm_page_offers_the_correction_to_owners_only(
        self, client, algorithm, filed, members
    ):
        url = reverse("filings:algorithm", args=[algorithm.workspace.slug, algorithm.pk])
        for role in ROLES:
            client.force_login(members[role])
            body = client.get(url).content.decode()
            assert ("data-number-correction" in body) is (role == Role.OWNER)

    @pytest.mark.parametrize(
        ("data", "field"),
        [
            ({"filing_number": OTHER_NUMBER, "reason": ""}, "reason"),
            ({"filing_number": "网信算备123号", "reason": "录入错误"}, "filing_number"),
            ({"filing_number": NUMBER, "reason": "录入错误"}, "filing_number"),
        ],
    )
    def test_bad_input_is_refused_and_kept(self, client, data, field, algorithm, filed, members):
        client.force_login(members[Role.OWNER])
        url = reverse("filings:filing-number-correct", args=[algorithm.workspace.slug, filed.pk])
        response = client.post(url, data)
        assert response.status_code == 400
        form = response.context["filings"][0]["number_form"]
        assert field in form.errors
        filed.refresh_from_db()
        assert filed.filing_number == NUMBER
        assert not Activity.objects.filter(data__event="filing_number_corrected").exists()

    def test_a_number_not_recorded_yet_cannot_be_corrected(self, algorithm, members):
        filing = FilingFactory(algorithm=algorithm)
        with pytest.raises(PermissionDenied, match="already recorded"):
            changes.filing_number_correct(
                filing=filing, by=members[Role.OWNER], number=NUMBER, reason="x"
            )

    def test_another_workspace_is_404(self, client, algorithm, filed, member_factory):
        other = WorkspaceFactory()
        client.force_login(member_factory(other, Role.OWNER))
        url = reverse("filings:filing-number-correct", args=[other.slug, filed.pk])
        assert client.post(url, {"filing_number": OTHER_NUMBER, "reason": "x"}).status_code == 404
