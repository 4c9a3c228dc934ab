"""Materials as data, missing materials as errors (issue 12, item 1).

The materials list (filings/data/materials.json, corrected in the admin with
filings.Material rows) says which files a filing needs; each required one
without a file is a check error pointing at its slot that says what it
blocks: the content (approval) or only the submission (signed and sealed
scans, made after approval, which do not withdraw the approval)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from demo.materials import SAMPLE_PDF, attach_required_materials, sample_png
from filings import lifecycle, materials, snapshot
from filings.attachments import attachment_create
from filings.choices import PROVIDER_SLOTS, SUBMISSION_SLOTS, AttachmentSlot
from filings.choices import FilingStatus as S
from filings.models import Attachment, Filing, Material, ThirdPartyModel
from filings.selectors import algorithm_rows
from tests.factories import FilingFactory, complete_algorithm
from workspaces.models import Role

pytestmark = pytest.mark.django_db

A = "/providers/0/algorithms/0"
# What every initial filing of a non-generative service provider needs.
SUBMISSION_MATERIALS = {
    "licence_scan",
    "legal_rep_id_copy",
    "officer_id_copy",
    "officer_employment_proof",
    "commitment_letter",
    "responsibility_document",
    "assessment_report_signed",
}


@pytest.fixture
def algorithm(workspace, django_capture_on_commit_callbacks):
    """Every field filled, no file uploaded."""
    with django_capture_on_commit_callbacks(execute=True):
        algorithm = complete_algorithm(workspace=workspace, name="示例新闻推荐算法")
        Attachment.objects.filter(workspace=workspace).delete()
    return algorithm


def _material_problems(algorithm):
    data = snapshot.content(algorithm)
    return [p for p in lifecycle.content_problems(algorithm, data) if p.code == "material_missing"]


def _upload(algorithm, slot, *, png=False):
    owner = {"provider": algorithm.provider} if slot in PROVIDER_SLOTS else {"algorithm": algorithm}
    name, content = ("图.png", sample_png()) if png else ("扫描件.pdf", SAMPLE_PDF)
    return attachment_create(slot=slot, uploaded=SimpleUploadedFile(name, content), **owner)


def _by_code(entries):
    return {e.code: e for e in entries}


# ---------------------------------------------------------------------------
# The list and its read API
# ---------------------------------------------------------------------------


class TestList:
    def test_the_shape_of_an_entry(self, algorithm):
        entry = _by_code(materials.required_materials(algorithm))["commitment_letter"]
        assert entry == materials.MaterialEntry(
            code="commitment_letter",
            slot="commitment_letter",
            label=entry.label,
            producer="sign_seal",
            required=True,
            blocks="submission",
            owner="provider",
        )
        flowchart = _by_code(materials.required_materials(algorithm))["flowchart"]
        assert (flowchart.blocks, flowchart.owner, flowchart.producer) == (
            "approval",
            "algorithm",
            "upload",
        )

    def test_required_materials_of_a_plain_initial_filing(self, algorithm):
        entries = _by_code(materials.required_materials(algorithm))
        required = {code for code, e in entries.items() if e.required}
        assert required == SUBMISSION_MATERIALS | {
            "flowchart",
            "disclosure_text",
            "assessment_report",
        }
        # Not using a third-party model, not generative: optional.
        assert not entries["third_party_proof"].required
        assert not entries["labeling_screenshots"].required

    def test_third_party_proof_only_with_a_third_party_model(self, algorithm):
        ThirdPartyModel.objects.create(
            workspace=algorithm.workspace, algorithm=algorithm, name="示例通用大模型"
        )
        entries = _by_code(materials.required_materials(algorithm))
        assert entries["third_party_proof"].required
        assert entries["third_party_proof"].blocks == "approval"

    def test_labelling_screenshots_for_generative_services(self, algorithm):
        algorithm.type = "generation_synthesis"
        algorithm.generative_ai_service = True
        entries = _by_code(materials.required_materials(algorithm))
        assert entries["labeling_screenshots"].required
        assert entries["labeling_screenshots"].slot == AttachmentSlot.SCREENSHOT

    def test_a_cancellation_needs_none_of_them(self, algorithm):
        entries = materials.required_materials(algorithm, "cancellation")
        assert not [e for e in entries if e.required]

    def test_the_kind_comes_from_the_latest_filing(self, algorithm):
        FilingFactory(algorithm=algorithm, kind="cancellation")
        assert not [e for e in materials.required_materials(algorithm) if e.required]

    def test_a_content_or_a_version_gives_the_same_list(self, algorithm):
        from_content = materials.required_materials(snapshot.content(algorithm), "initial")
        assert from_content == materials.required_materials(algorithm, "initial")

    def test_labels_follow_the_language(self, algorithm):
        from django.utils import translation

        with translation.override("zh-hans"):
            zh = _by_code(materials.required_materials(algorithm))["commitment_letter"].label
        with translation.override("en"):
            en = _by_code(materials.required_materials(algorithm))["commitment_letter"].label
        assert "承诺书" in zh and "commitment letter" in en

    def test_the_shipped_file_is_valid(self):
        data = json.loads(materials.DEFAULT_FILE.read_text(encoding="utf-8"))
        codes = [m["code"] for m in data["materials"]]
        assert len(codes) == len(set(codes))
        assert len(materials.shipped()) == len(codes)
        # Each signed or sealed scan blocks only the submission.
        for rule in materials.shipped():
            if rule.producer == "sign_seal":
                assert rule.blocks == "submission", rule.code


class TestAdminCorrections:
    def test_a_row_replaces_adds_or_removes_an_entry(self, algorithm):
        Material.objects.create(
            code="flowchart", slot="flowchart", producer="upload", label_zh="流程图（更正）",
            label_en="Flowchart (corrected)", when={"kinds": []},
        )  # fmt: skip
        Material.objects.create(
            code="icp_certificate", slot="other", producer="upload", label_zh="ICP备案截图",
            label_en="ICP screenshot", when={"roles": ["service_provider"]},
        )  # fmt: skip
        Material.objects.create(
            code="officer_id_copy", slot="officer_id_copy", producer="upload",
            label_zh="x", label_en="x", active=False,
        )  # fmt: skip
        entries = _by_code(materials.required_materials(algorithm))
        assert not entries["flowchart"].required
        assert entries["icp_certificate"].required
        assert "officer_id_copy" not in entries
        codes = {p.pointer.rsplit("/", 1)[1] for p in _material_problems(algorithm)}
        assert "flowchart" not in codes and "officer_id_copy" not in codes and "other" in codes

    @pytest.mark.parametrize(
        "when",
        [[], {"kinds": "initial"}, {"kinds": ["initiall"]}, {"generative": "yes"}, {"colour": 1}],
    )
    def test_bad_conditions_are_refused(self, when):
        row = Material(code="x", slot="other", producer="upload", label_zh="x", label_en="x")
        row.when = when
        with pytest.raises(ValidationError):
            row.full_clean()

    def test_admin_lists_the_rows(self, client, django_user_model):
        admin = django_user_model.objects.create_superuser("root", "r@example.com", "pw-123456")
        Material.objects.create(code="flowchart", slot="flowchart", producer="upload",
                                label_zh="流程图", label_en="Flowchart")  # fmt: skip
        client.force_login(admin)
        response = client.get(reverse("admin:filings_material_changelist"))
        assert response.status_code == 200 and "流程图" in response.content.decode()


# ---------------------------------------------------------------------------
# Missing materials as errors
# ---------------------------------------------------------------------------


class TestChecks:
    def test_every_missing_material_is_an_error_at_its_slot(self, algorithm):
        problems = _material_problems(algorithm)
        assert {(p.pointer, p.severity, p.blocks) for p in problems} == {
            (f"{A}/attachments/flowchart", "error", "approval"),
            *((f"{A}/attachments/{slot}", "error", "submission") for slot in SUBMISSION_MATERIALS),
        }

    def test_with_every_material_uploaded_no_material_error(self, algorithm):
        attach_required_materials(algorithm)
        assert _material_problems(algorithm) == []

    def test_blocking_errors_filter_by_target(self):
        from filings.checks import Problem

        content = Problem("required", "error", "/a", "m")
        scan = Problem("material_missing", "error", "/b", "m", blocks="submission")
        warning = Problem("w", "warning", "/c", "m")
        problems = [content, scan, warning]
        assert lifecycle.blocking_errors(problems, target=S.APPROVED) == [content]
        assert lifecycle.blocking_errors(problems, target=S.SUBMITTED) == [content, scan]
        assert lifecycle.submission_errors(problems) == [scan]


class TestNothingSaysComplete:
    """A filing with every field filled and no uploads: no page or command says complete."""

    def test_check_filing_reports_each_missing_material_with_blocks(self, algorithm):
        out = io.StringIO()
        with pytest.raises(SystemExit) as exit_:
            call_command(
                "check_filing", algorithm.workspace.slug, "--algorithm", algorithm.name,
                "--json", stdout=out,
            )  # fmt: skip
        assert exit_.value.code == 1
        problems = json.loads(out.getvalue())
        assert all("blocks" in p for p in problems)
        missing = {p["pointer"].rsplit("/", 1)[1]: p["blocks"] for p in problems
                   if p["code"] == "material_missing"}  # fmt: skip
        assert missing == {
            "flowchart": "approval",
            **dict.fromkeys(SUBMISSION_MATERIALS, "submission"),
        }

    def test_check_filing_listing_says_what_an_error_blocks(self, algorithm):
        out = io.StringIO()
        with pytest.raises(SystemExit):
            call_command("check_filing", algorithm.workspace.slug, stdout=out)
        text = out.getvalue()
        assert "attachments/commitment_letter  [material_missing]  (blocks submission)" in text
        assert "attachments/flowchart  [material_missing]  (blocks approval)" in text

    def test_dashboard_is_not_complete(self, algorithm):
        import datetime as dt

        (row,) = algorithm_rows(algorithm.workspace, today=dt.date(2026, 11, 1))
        assert row.completeness < 100
        attach_required_materials(algorithm)
        (row,) = algorithm_rows(algorithm.workspace, today=dt.date(2026, 11, 1))
        assert row.completeness == 100

    def test_the_check_step_lists_the_two_groups_and_not_complete(self, client, owner, algorithm):
        client.force_login(owner)
        url = reverse("filings:wizard", args=[algorithm.workspace.slug, algorithm.pk, "review"])
        body = client.get(url).content.decode()
        assert "data-complete>" not in body and "信息完整且一致" not in body
        assert 'data-group="approval"' in body and 'data-group="submission"' in body
        assert body.index('data-group="approval"') < body.index('data-group="submission"')
        assert 'data-blocks="submission"' in body
        attachments = reverse(
            "filings:wizard", args=[algorithm.workspace.slug, algorithm.pk, "attachments"]
        )
        assert f'href="{attachments}#slot-commitment_letter"' in body
        progress = client.get(
            reverse("filings:wizard", args=[algorithm.workspace.slug, algorithm.pk, "basic"])
        )
        assert progress.status_code == 200

    def test_the_check_step_without_submission_errors_has_no_submission_group(
        self, client, owner, algorithm
    ):
        for slot in SUBMISSION_MATERIALS:
            _upload(algorithm, slot)
        client.force_login(owner)
        url = reverse("filings:wizard", args=[algorithm.workspace.slug, algorithm.pk, "review"])
        body = client.get(url).content.decode()
        assert 'data-group="submission"' not in body
        assert 'data-group="approval"' in body  # the flowchart is still missing


# ---------------------------------------------------------------------------
# The attachments page: grouped by who produces them, optional shown as optional
# ---------------------------------------------------------------------------


class TestAttachmentsPage:
    def _body(self, client, user, algorithm):
        if "_auth_user_id" not in client.session:
            client.force_login(user)
        url = reverse(
            "filings:wizard", args=[algorithm.workspace.slug, algorithm.pk, "attachments"]
        )
        return client.get(url).content.decode()

    def test_groups_and_states(self, client, owner, algorithm):
        _upload(algorithm, AttachmentSlot.FLOWCHART, png=True)
        body = self._body(client, owner, algorithm)
        generated = body.index('data-producer="generated"')
        sign = body.index('data-producer="sign_seal"')
        upload = body.index('data-producer="upload"')
        assert generated < sign < upload
        assert 'data-material="third_party_proof" data-state="optional"' in body
        assert 'data-material="commitment_letter" data-state="missing"' in body
        assert 'data-material="flowchart" data-state="uploaded"' in body
        assert 'data-material="disclosure_text" data-state="generated"' in body
        assert 'id="slot-commitment_letter"' in body

    @pytest.mark.parametrize("role", [Role.EDITOR, Role.REVIEWER, Role.VIEWER])
    def test_every_member_sees_it_without_writing(self, client, member_factory, algorithm, role):
        from tests.readonly import no_writes

        user = member_factory(algorithm.workspace, role)
        client.force_login(user)
        with no_writes():
            body = self._body(client, user, algorithm)
        assert 'data-state="missing"' in body

    def test_another_workspace_is_404(self, client, member_factory, algorithm):
        from tests.factories import WorkspaceFactory

        stranger = member_factory(WorkspaceFactory(), Role.OWNER)
        client.force_login(stranger)
        url = reverse(
            "filings:wizard", args=[algorithm.workspace.slug, algorithm.pk, "attachments"]
        )
        assert client.get(url).status_code == 404


# ---------------------------------------------------------------------------
# Approval and submission
# ---------------------------------------------------------------------------


@pytest.fixture
def reviewer(member_factory, workspace):
    return member_factory(workspace, Role.REVIEWER, username="rita")


@pytest.fixture
def editor(member_factory, workspace):
    return member_factory(workspace, Role.EDITOR, username="edward")


class TestApprovalAndSubmission:
    def _approve(self, filing, reviewer):
        Filing.objects.filter(pk=filing.pk).update(status=S.IN_REVIEW)
        filing.refresh_from_db()
        filing.transition(S.APPROVED, role=Role.REVIEWER, by=reviewer, warnings_acknowledged=True)

    def test_approval_refused_while_the_flowchart_is_missing(self, algorithm, reviewer):
        filing = FilingFactory(algorithm=algorithm)
        with pytest.raises(lifecycle.GuardRefused) as refused:
            self._approve(filing, reviewer)
        assert [p.pointer for p in refused.value.problems if p.code == "material_missing"] == [
            f"{A}/attachments/flowchart"
        ]

    def test_scans_after_approval_keep_it_and_unlock_the_submission(
        self, algorithm, reviewer, editor, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            _upload(algorithm, AttachmentSlot.FLOWCHART, png=True)
        filing = FilingFactory(algorithm=algorithm)
        # Only the signed and sealed scans are missing: approval goes through.
        self._approve(filing, reviewer)
        assert filing.status == S.APPROVED
        approved = filing.approved_version.digest
        with pytest.raises(lifecycle.GuardRefused) as refused:
            filing.transition(S.SUBMITTED, role=Role.EDITOR, by=editor)
        assert {p.blocks for p in refused.value.problems} == {"submission"}
        assert len(refused.value.problems) == len(SUBMISSION_MATERIALS)
        # The scans are made now, from the approved content.
        with django_capture_on_commit_callbacks(execute=True):
            for slot in SUBMISSION_MATERIALS:
                _upload(algorithm, slot)
        filing.refresh_from_db()
        assert filing.status == S.APPROVED  # not withdrawn
        assert snapshot.current(algorithm)[1] == approved
        # Listed with their SHA-256, outside the hashed content.
        listed = snapshot.formalities(algorithm)
        assert {f["slot"] for f in listed} == SUBMISSION_MATERIALS
        assert all(len(f["sha256"]) == 64 for f in listed)
        assert (
            not {a["slot"] for a in snapshot.content(algorithm)["attachments"]} & SUBMISSION_SLOTS
        )
        filing.transition(S.SUBMITTED, role=Role.EDITOR, by=editor)
        assert filing.status == S.SUBMITTED

    def test_a_new_flowchart_after_approval_withdraws_it(
        self, algorithm, reviewer, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            _upload(algorithm, AttachmentSlot.FLOWCHART, png=True)
        filing = FilingFactory(algorithm=algorithm)
        self._approve(filing, reviewer)
        with django_capture_on_commit_callbacks(execute=True):
            attachment_create(
                slot=AttachmentSlot.FLOWCHART,
                uploaded=SimpleUploadedFile("新流程图.png", sample_png(boxes=5)),
                algorithm=algorithm,
            )
        filing.refresh_from_db()
        assert filing.status == S.DRAFT

    def test_the_review_page_shows_the_two_groups(self, client, algorithm, reviewer, editor):
        from reviews import services

        filing = FilingFactory(algorithm=algorithm)
        services.review_request_create(filing=filing, by=editor, reviewers=[reviewer])
        client.force_login(reviewer)
        body = client.get(
            reverse("reviews:review", args=[algorithm.workspace.slug, filing.pk])
        ).content.decode()
        assert 'data-errors="1"' in body  # the flowchart
        assert f'data-submission-errors="{len(SUBMISSION_MATERIALS)}"' in body
        assert 'data-group="approval"' in body and 'data-group="submission"' in body
        assert "The checks report no problems." not in body
