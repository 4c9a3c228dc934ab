"""Versions of a filing's data, diffs, and approval withdrawn by every kind of change."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.models import Answer, Assessment
from demo.workspace import load_demo
from filings import interchange, versions
from filings.attachments import attachment_create
from filings.choices import FilingStatus
from filings.models import Activity, Algorithm, Filing, SnapshotVersion
from tests.filings.test_attachments import PDF
from workspaces.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(django_capture_on_commit_callbacks):
    """The demo's search algorithm, approved by its reviewer."""
    with django_capture_on_commit_callbacks(execute=True):
        load_demo()
    algorithm = Algorithm.objects.get(name="示例新闻搜索算法")
    filing = algorithm.filings.get()
    assert filing.status == FilingStatus.IN_REVIEW
    with django_capture_on_commit_callbacks(execute=True):
        filing.transition(FilingStatus.APPROVED, role=Role.REVIEWER, warnings_acknowledged=True)
    filing.refresh_from_db()
    assert filing.approved_version is not None
    return filing


def _status(filing) -> str:
    filing.refresh_from_db()
    return filing.status


class TestWithdrawal:
    def test_a_form_or_autosave_change_withdraws_the_approval_and_says_so(
        self, client, approved, django_capture_on_commit_callbacks
    ):
        algorithm = approved.algorithm
        owner = algorithm.workspace.memberships.get(role="owner").user
        client.force_login(owner)
        prefix = f"algorithm-basic-{algorithm.pk}"
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                reverse("filings:panel-save", args=["demo", "algorithm-basic", algorithm.pk]),
                {f"{prefix}-name": algorithm.name, f"{prefix}-type": "information_retrieval",
                 f"{prefix}-role": "service_provider", f"{prefix}-application_domains": "新闻门户",
                 f"{prefix}-launch_status": "online", f"{prefix}-launch_date": "2024-03-01"},
                HTTP_HX_REQUEST="true",
            )  # fmt: skip
        assert _status(approved) == FilingStatus.DRAFT
        activity = Activity.objects.get(verb=Activity.Verb.APPROVAL_WITHDRAWN)
        assert activity.filing == approved and activity.actor == owner
        assert "/snapshot/providers/0/algorithms/0/application_domains" in activity.data["pointers"]

    def test_an_unchanged_save_keeps_the_approval(
        self, approved, django_capture_on_commit_callbacks
    ):
        algorithm = approved.algorithm
        with django_capture_on_commit_callbacks(execute=True):
            algorithm.save()
        assert _status(approved) == FilingStatus.APPROVED

    def test_an_import_withdraws_it(self, approved, django_capture_on_commit_callbacks):
        document = interchange.export_workspace(approved.workspace)
        document["providers"][0]["algorithms"][1]["summary"] = "导入后的新简介。"
        with django_capture_on_commit_callbacks(execute=True):
            interchange.import_document(document, workspace=approved.workspace, merge=True)
        # The import replaced the filings too: the approval is gone with a record of why.
        assert not Filing.objects.filter(pk=approved.pk, status=FilingStatus.APPROVED).exists()

    def test_an_assessment_answer_withdraws_it(self, approved, django_capture_on_commit_callbacks):
        # The approved data is fully assessed: changing one answer's measures
        # (or answering an item anew) is a change of the approved content.
        assessment, _ = Assessment.objects.get_or_create(
            workspace=approved.workspace, algorithm=approved.algorithm
        )
        with django_capture_on_commit_callbacks(execute=True):
            answer = assessment.answers.filter(item="ARS-22-complaints").first()
            if answer is None:
                Answer.objects.create(
                    workspace=approved.workspace,
                    assessment=assessment,
                    item="ARS-22-complaints",
                    status="compliant",
                )
            else:
                answer.measures = (answer.measures or "") + "（另增设人工客服热线。）"
                answer.save()
        assert _status(approved) == FilingStatus.DRAFT

    def test_an_attachment_withdraws_it(self, approved, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            attachment_create(
                slot="flowchart",
                uploaded=SimpleUploadedFile("流程图.pdf", PDF),
                algorithm=approved.algorithm,
            )
        assert _status(approved) == FilingStatus.DRAFT
        activity = Activity.objects.get(verb=Activity.Verb.APPROVAL_WITHDRAWN)
        assert any(p.startswith("/attachments/flowchart") for p in activity.data["pointers"])

    def test_a_change_to_the_provider_withdraws_it(
        self, approved, django_capture_on_commit_callbacks
    ):
        provider = approved.algorithm.provider
        provider.office_address = "北京市朝阳区新地址1号"
        with django_capture_on_commit_callbacks(execute=True):
            provider.save()
        assert _status(approved) == FilingStatus.DRAFT

    def test_a_change_to_another_algorithm_leaves_it(
        self, approved, django_capture_on_commit_callbacks
    ):
        other = Algorithm.objects.get(name="示例出行智能派单算法")
        other.summary = "另一个算法的新简介。"
        with django_capture_on_commit_callbacks(execute=True):
            other.save()
        assert _status(approved) == FilingStatus.APPROVED

    def test_a_rolled_back_change_leaves_it(self, approved, django_capture_on_commit_callbacks):
        from django.db import transaction

        algorithm = approved.algorithm
        with django_capture_on_commit_callbacks(execute=True):
            try:
                with transaction.atomic():
                    algorithm.summary = "不会保存的简介。"
                    algorithm.save()
                    raise RuntimeError
            except RuntimeError:
                pass
        assert _status(approved) == FilingStatus.APPROVED


class TestDiff:
    def data(self, algorithm):
        return versions.content(algorithm)

    def test_text_choice_list_and_attachment_changes(self):
        load_demo()
        algorithm = Algorithm.objects.get(name="示例新闻搜索算法")
        before = self.data(algorithm)
        algorithm.summary = "新的简介。"
        algorithm.type = "content_filtering"
        algorithm.output_modalities = ["text", "image"]
        algorithm.save()
        deployment = algorithm.deployments.get()
        deployment.access_path = ["首页", "搜索", "结果"]
        deployment.save()
        attachment_create(
            slot="flowchart", uploaded=SimpleUploadedFile("图.pdf", PDF), algorithm=algorithm
        )
        changes = {c.pointer: c for c in versions.diff(before, self.data(algorithm))}
        base = "/snapshot/providers/0/algorithms/0"
        assert changes[f"{base}/summary"].after == "新的简介。"
        assert (changes[f"{base}/type"].before, changes[f"{base}/type"].after) == (
            "information_retrieval",
            "content_filtering",
        )
        assert changes[f"{base}/output_modalities"].after == ["text", "image"]
        assert changes[f"{base}/deployments/0/access_path"].before == ["首页", "搜索框"]
        assert changes["/attachments/flowchart"].kind == "added"
        assert len(changes) == 5

    def test_equal_data_has_no_diff_and_one_version(self):
        load_demo()
        algorithm = Algorithm.objects.get(name="示例新闻搜索算法")
        first = versions.record(algorithm)
        recorded = SnapshotVersion.objects.filter(algorithm=algorithm).count()
        assert versions.record(algorithm) == first
        assert versions.diff(first.data, versions.content(algorithm)) == []
        assert SnapshotVersion.objects.filter(algorithm=algorithm).count() == recorded


def test_many_snapshots_at_once_equal_each_alone():
    workspace = load_demo()
    algorithms = list(Algorithm.objects.filter(workspace=workspace))
    many = interchange.algorithm_snapshots(workspace, {a.pk for a in algorithms})
    assert all(many[a.pk] == interchange.algorithm_snapshot(a) for a in algorithms)
    assert versions.contents(workspace, algorithms)[algorithms[0].pk] == versions.content(
        algorithms[0]
    )
