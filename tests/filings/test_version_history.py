"""One history (issue 13, step 6): edits make one version per person and
editing burst, the steps of the review and the filing pin the version they
stood on, and a change of content still withdraws an approval."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from filings import lifecycle, versions
from filings.choices import FilingStatus as S
from filings.models import Activity, Algorithm, Provider, SnapshotVersion
from reviews import services as review_services
from reviews.models import Decision
from tests.factories import FilingFactory, complete_algorithm
from tests.reviews.helpers import decide
from workspaces.models import Role

pytestmark = pytest.mark.django_db

Reason = SnapshotVersion.Reason


@pytest.fixture
def editor(workspace, member_factory):
    return member_factory(workspace, Role.EDITOR, username="edward")


@pytest.fixture
def algorithm(workspace, django_capture_on_commit_callbacks):
    # Complete data (approvable once its one open warning is acknowledged).
    with django_capture_on_commit_callbacks(execute=True):
        algorithm = complete_algorithm(workspace=workspace)
        Provider.objects.filter(pk=algorithm.provider_id).update(icp_number="")
        versions.check_algorithm(algorithm)
    return algorithm


def autosave(client, algorithm, summary: str, capture):
    """What the wizard's 详情 step sends when the summary field autosaves (the
    whole panel, as the browser posts it), with the versioning that runs once
    the request's transaction has committed."""
    from filings.conflicts import input_values
    from filings.wizard_forms import AlgorithmDetailForm

    prefix = f"algorithm-detail-{algorithm.pk}"
    form = AlgorithmDetailForm(instance=Algorithm.objects.get(pk=algorithm.pk), prefix=prefix)
    data = {
        form.add_prefix(name): input_values(form, name, form.initial.get(name))
        for name in form.fields
    }
    data[f"{prefix}-summary"] = summary
    url = reverse("filings:panel-save", args=[algorithm.workspace.slug, "algorithm-detail", algorithm.pk])  # fmt: skip
    with capture(execute=True):
        response = client.post(url, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert Algorithm.objects.get(pk=algorithm.pk).summary == summary
    return response


def history(algorithm) -> list[SnapshotVersion]:
    return list(SnapshotVersion.objects.filter(algorithm=algorithm).order_by("pk"))


def current_digest(algorithm) -> str:
    return versions.digest(versions.content(Algorithm.objects.get(pk=algorithm.pk)))


def summary_in(version: SnapshotVersion) -> str:
    version = SnapshotVersion.objects.get(pk=version.pk)
    return version.data["snapshot"]["providers"][0]["algorithms"][0]["summary"]


class TestBursts:
    def test_five_autosaves_of_one_field_make_one_version(
        self, client, editor, algorithm, django_capture_on_commit_callbacks
    ):
        client.force_login(editor)
        before = history(algorithm)
        for i in range(1, 6):
            autosave(
                client, algorithm, f"推荐算法简介，第{i}稿。", django_capture_on_commit_callbacks
            )
        after = history(algorithm)
        assert len(after) == len(before) + 1
        newest = after[-1]
        assert newest.reason == Reason.EDITING and newest.created_by == editor
        # The one version holds the last autosave, and its digest is the content's.
        assert summary_in(newest) == "推荐算法简介，第5稿。"
        assert newest.digest == current_digest(algorithm)
        assert versions.digest(SnapshotVersion.objects.get(pk=newest.pk).data) == newest.digest

    def test_after_the_window_a_new_burst_makes_a_new_version(
        self, client, editor, algorithm, settings, django_capture_on_commit_callbacks
    ):
        client.force_login(editor)
        autosave(client, algorithm, "第一次编辑。", django_capture_on_commit_callbacks)
        first = history(algorithm)[-1]
        window = dt.timedelta(seconds=settings.SUANBEI_VERSION_BURST_SECONDS)
        SnapshotVersion.objects.filter(pk=first.pk).update(
            created_at=timezone.now() - window - dt.timedelta(seconds=1)
        )
        autosave(client, algorithm, "十多分钟后的编辑。", django_capture_on_commit_callbacks)
        autosave(client, algorithm, "十多分钟后的编辑，续。", django_capture_on_commit_callbacks)
        *_, earlier, newest = history(algorithm)
        assert earlier.pk == first.pk and summary_in(earlier) == "第一次编辑。"
        assert summary_in(newest) == "十多分钟后的编辑，续。"

    def test_a_window_of_zero_records_every_change(
        self, client, editor, algorithm, settings, django_capture_on_commit_callbacks
    ):
        settings.SUANBEI_VERSION_BURST_SECONDS = 0
        client.force_login(editor)
        before = len(history(algorithm))
        for text in ("一。", "二。", "三。"):
            autosave(client, algorithm, text, django_capture_on_commit_callbacks)
        assert len(history(algorithm)) == before + 3

    def test_the_same_content_again_records_nothing(
        self, client, editor, algorithm, django_capture_on_commit_callbacks
    ):
        client.force_login(editor)
        autosave(client, algorithm, "同样的内容。", django_capture_on_commit_callbacks)
        newest = history(algorithm)[-1]
        updated_at = newest.updated_at
        Algorithm.objects.filter(pk=algorithm.pk).update(summary="别的内容。")
        Algorithm.objects.filter(pk=algorithm.pk).update(summary="同样的内容。")
        versions.check_algorithm(algorithm, by=editor)
        assert history(algorithm)[-1].pk == newest.pk
        assert SnapshotVersion.objects.get(pk=newest.pk).updated_at == updated_at

    def test_another_persons_edit_starts_a_version_of_its_own(
        self, client, editor, algorithm, workspace, member_factory,
        django_capture_on_commit_callbacks,
    ):  # fmt: skip
        other = member_factory(workspace, Role.EDITOR, username="emma")
        client.force_login(editor)
        autosave(client, algorithm, "爱德华写的。", django_capture_on_commit_callbacks)
        client.force_login(other)
        autosave(client, algorithm, "艾玛改的。", django_capture_on_commit_callbacks)
        *_, edwards, emmas = history(algorithm)
        assert (edwards.created_by, summary_in(edwards)) == (editor, "爱德华写的。")
        assert (emmas.created_by, summary_in(emmas)) == (other, "艾玛改的。")
        # Four eyes knows who made the content what it is.
        assert lifecycle.last_changed_by(algorithm, current_digest(algorithm)) == other.pk


class TestPinned:
    def test_a_review_request_pins_the_version_and_the_next_edit_makes_a_new_one(
        self, client, editor, algorithm, workspace, member_factory,
        django_capture_on_commit_callbacks,
    ):  # fmt: skip
        reviewer = member_factory(workspace, Role.REVIEWER)
        filing = FilingFactory(algorithm=algorithm)
        client.force_login(editor)
        autosave(client, algorithm, "送审的简介。", django_capture_on_commit_callbacks)
        edited = history(algorithm)[-1]
        review_services.review_request_create(filing=filing, by=editor, reviewers=[reviewer])
        pinned = SnapshotVersion.objects.get(pk=edited.pk)
        assert pinned.reason == Reason.REVIEW_REQUESTED and pinned.created_by == editor
        autosave(client, algorithm, "送审后又改的简介。", django_capture_on_commit_callbacks)
        newest = history(algorithm)[-1]
        assert newest.pk != pinned.pk and newest.reason == Reason.EDITING
        assert SnapshotVersion.objects.get(pk=pinned.pk).digest == pinned.digest
        assert summary_in(pinned) == "送审的简介。"

    def test_an_edit_right_after_the_approval_withdraws_it(
        self, client, editor, algorithm, workspace, member_factory,
        django_capture_on_commit_callbacks,
    ):  # fmt: skip
        reviewer = member_factory(workspace, Role.REVIEWER)
        filing = FilingFactory(algorithm=algorithm)
        client.force_login(editor)
        autosave(client, algorithm, "批准的简介。", django_capture_on_commit_callbacks)
        with django_capture_on_commit_callbacks(execute=True):
            request = review_services.review_request_create(
                filing=filing, by=editor, reviewers=[reviewer]
            )
            decision = decide(review_request=request, by=reviewer, verdict=Decision.Verdict.APPROVE)
        filing.refresh_from_db()
        assert filing.status == S.APPROVED
        approved = filing.approved_version
        assert approved.pinned and decision.version_id == approved.pk

        # Within the same burst of the same editor: still a change of content.
        autosave(client, algorithm, "批准后改的简介。", django_capture_on_commit_callbacks)
        filing.refresh_from_db()
        assert filing.status == S.DRAFT
        withdrawn = Activity.objects.get(verb=Activity.Verb.APPROVAL_WITHDRAWN)
        assert "/snapshot/providers/0/algorithms/0/summary" in withdrawn.data["pointers"]
        newest = history(algorithm)[-1]
        assert withdrawn.data["version"] == newest.pk
        assert newest.reason == Reason.APPROVAL_WITHDRAWN
        # The approved version is as approved, whatever came after it.
        assert SnapshotVersion.objects.get(pk=approved.pk).digest == approved.digest
        assert summary_in(approved) == "批准的简介。"

        # The edits after the withdrawal gather into a new editing version.
        autosave(client, algorithm, "批准后又改了一次。", django_capture_on_commit_callbacks)
        autosave(client, algorithm, "批准后又改了两次。", django_capture_on_commit_callbacks)
        *_, pinned, editing = history(algorithm)
        assert pinned.pk == newest.pk and summary_in(pinned) == "批准后改的简介。"
        assert editing.reason == Reason.EDITING and summary_in(editing) == "批准后又改了两次。"

    def test_request_changes_pins_the_version_seen(
        self, client, editor, algorithm, workspace, member_factory,
        django_capture_on_commit_callbacks,
    ):  # fmt: skip
        reviewer = member_factory(workspace, Role.REVIEWER)
        filing = FilingFactory(algorithm=algorithm)
        client.force_login(editor)
        autosave(client, algorithm, "待审的简介。", django_capture_on_commit_callbacks)
        request = review_services.review_request_create(
            filing=filing, by=editor, reviewers=[reviewer]
        )
        decision = decide(
            review_request=request, by=reviewer, verdict=Decision.Verdict.REQUEST_CHANGES
        )
        assert decision.version.pinned and summary_in(decision.version) == "待审的简介。"
        autosave(client, algorithm, "按意见改的简介。", django_capture_on_commit_callbacks)
        assert summary_in(decision.version) == "待审的简介。"

    def test_a_generated_document_pins_the_version_it_prints(
        self, editor, algorithm, django_capture_on_commit_callbacks
    ):
        from documents.services import job_request

        Algorithm.objects.filter(pk=algorithm.pk).update(summary="打印的简介。")
        with django_capture_on_commit_callbacks():
            job = job_request(algorithm=algorithm, document="form", user=editor)
        assert job.snapshot_version.reason == Reason.DOCUMENT
        assert summary_in(job.snapshot_version) == "打印的简介。"

    def test_a_transition_pins_the_content_it_stood_on(self, editor, algorithm):
        filing = FilingFactory(algorithm=algorithm, status=S.APPROVED)
        versions.check_algorithm(algorithm, by=editor)
        filing.transition(S.DRAFT, role=Role.EDITOR, by=editor)
        assert history(algorithm)[-1].reason == Reason.STATUS

    def test_pinning_a_version_rewritten_meanwhile_records_what_it_was(self, editor, algorithm):
        Algorithm.objects.filter(pk=algorithm.pk).update(summary="看到的简介。")
        seen = versions.check_algorithm(algorithm, by=editor)
        seen_data = versions.content(Algorithm.objects.get(pk=algorithm.pk))
        # Another autosave of the same burst rewrites it before the pin lands.
        Algorithm.objects.filter(pk=algorithm.pk).update(summary="随后改的简介。")
        assert versions.check_algorithm(algorithm, by=editor).pk == seen.pk
        pinned = versions.pin(seen, Reason.DECISION, data=seen_data)
        assert pinned.pk != seen.pk and pinned.reason == Reason.DECISION
        assert pinned.digest == seen.digest and summary_in(pinned) == "看到的简介。"
        assert summary_in(seen) == "随后改的简介。"


class TestCost:
    def test_the_versioning_after_an_autosave_runs_a_fixed_number_of_queries(
        self, client, editor, algorithm, django_assert_num_queries,
        django_capture_on_commit_callbacks,
    ):  # fmt: skip
        client.force_login(editor)
        autosave(client, algorithm, "第一稿。", django_capture_on_commit_callbacks)
        prefix = f"algorithm-detail-{algorithm.pk}"
        url = reverse("filings:panel-save", args=[algorithm.workspace.slug, "algorithm-detail", algorithm.pk])  # fmt: skip
        with django_capture_on_commit_callbacks() as callbacks:
            client.post(url, {f"{prefix}-summary": "第二稿。"}, HTTP_HX_REQUEST="true")
        batch = next(c for c in callbacks if isinstance(c, versions._Batch))
        # The algorithm with its newest version and latest filing (one query),
        # its content (the snapshot's fixed number of queries, 10 here), and
        # the burst's version updated in place: 12. It was 14 when every save
        # inserted a version and looked up the newest digest and the filing
        # on their own.
        with django_assert_num_queries(12):
            batch()
        assert history(algorithm)[-1].digest == current_digest(algorithm)


def test_the_history_page_names_the_step_a_version_was_pinned_at(
    client, editor, algorithm, workspace, member_factory, django_capture_on_commit_callbacks
):
    reviewer = member_factory(workspace, Role.REVIEWER)
    filing = FilingFactory(algorithm=algorithm)
    client.force_login(editor)
    autosave(client, algorithm, "送审的简介。", django_capture_on_commit_callbacks)
    review_services.review_request_create(filing=filing, by=editor, reviewers=[reviewer])
    autosave(client, algorithm, "又改的简介。", django_capture_on_commit_callbacks)
    url = reverse("reviews:history", args=[workspace.slug, algorithm.pk])
    body = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    pinned, editing = history(algorithm)[-2:]
    assert f'id="version-{pinned.pk}"' in body and f'id="version-{editing.pk}"' in body
    assert 'data-reason="review_requested"' in body and "review requested" in body
    assert 'data-reason="editing"' in body
