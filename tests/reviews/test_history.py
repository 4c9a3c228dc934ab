"""The history page: versions with their field-level diffs, comparisons, and change filings due."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from filings import versions
from filings.attachments import attachment_create
from filings.choices import FilingStatus as S
from filings.models import SnapshotVersion
from reviews import services
from tests.factories import AlgorithmFactory
from tests.filings.test_attachments import PDF
from tests.reviews.helpers import decide
from workdays.deadlines import filing_deadline

pytestmark = pytest.mark.django_db

BASE = "/snapshot/providers/0/algorithms/0"
FILING_NUMBER = "网信算备110108823483901230031号"


def _history(client, algorithm, **params):
    url = reverse("reviews:history", args=[algorithm.workspace.slug, algorithm.pk])
    return client.get(url, params, HTTP_ACCEPT_LANGUAGE="en").content.decode()


@pytest.fixture(autouse=True)
def one_version_per_change(settings):
    """Each change in these tests is a version of its own, as if minutes apart:
    the page's diffs are between versions (filings.versions gathers one
    person's edits within a few minutes into one; tests/filings/test_version_history.py)."""
    settings.SUANBEI_VERSION_BURST_SECONDS = 0


@pytest.fixture
def edited(algorithm, team, django_capture_on_commit_callbacks):
    """The algorithm after one edit of a text, a choice, a list and an attachment."""
    algorithm.summary = "新的简介。"
    algorithm.type = "content_filtering"
    algorithm.output_modalities = ["text", "image"]
    with django_capture_on_commit_callbacks(execute=True):
        algorithm.save()
        attachment_create(
            slot="flowchart", uploaded=SimpleUploadedFile("流程图.pdf", PDF), algorithm=algorithm
        )
    return algorithm


def _at(version: SnapshotVersion, day: dt.date) -> None:
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    SnapshotVersion.objects.filter(pk=version.pk).update(created_at=moment)


class TestVersions:
    def test_each_version_lists_its_changes_with_labels(self, client, team, edited):
        client.force_login(team.viewer)
        body = _history(client, edited)
        assert body.count('<article class="card mb-3" id="version-') == 2
        assert "First recorded version." in body
        for pointer in ("summary", "type", "output_modalities"):
            assert f'data-pointer="{BASE}/{pointer}"' in body
        assert 'data-pointer="/attachments/flowchart" data-kind="added"' in body
        # Text, choice labels (not codes), list items, attachment file names.
        assert "新的简介。" in body
        assert "Personalised push" in body and "Content filtering" in body
        assert "Text, Image" in body
        assert "流程图.pdf" in body
        assert "Attachments: Algorithm flowchart" in body

    @pytest.mark.parametrize("role", ["owner", "viewer"])
    def test_personal_numbers_are_masked_in_diffs_for_everyone(
        self, client, team, algorithm, role, django_capture_on_commit_callbacks
    ):
        provider = algorithm.provider
        provider.officer_mobile = "13912345678"  # was 13800138000
        with django_capture_on_commit_callbacks(execute=True):
            provider.save()
        client.force_login(team.by_role(role))
        body = _history(client, algorithm)
        assert 'data-pointer="/snapshot/providers/0/security_officer/mobile"' in body
        assert "139****5678" in body and "13912345678" not in body
        assert "138****8000" in body and "13800138000" not in body

    def test_any_two_versions_compare(self, client, team, edited):
        first, second = SnapshotVersion.objects.filter(algorithm=edited).order_by("pk")
        client.force_login(team.viewer)
        body = _history(client, edited, a=second.pk, b=first.pk)
        result = body.split('id="comparison-result"')[1]
        assert f'data-pointer="{BASE}/summary" data-kind="changed"' in result
        assert 'data-pointer="/attachments/flowchart" data-kind="removed"' in result

    def test_another_algorithms_version_is_not_compared(
        self, client, team, edited, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            other = AlgorithmFactory(provider=edited.provider, name="另一个算法")
        foreign = SnapshotVersion.objects.filter(algorithm=other).get()
        client.force_login(team.viewer)
        body = _history(client, edited, a=foreign.pk, b="now")
        assert 'id="comparison-result"' not in body

    def test_the_approved_version_is_compared_with_now(
        self, client, team, filing, algorithm, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            request = services.review_request_create(
                filing=filing, by=team.editor, reviewers=[team.reviewer]
            )
            decide(review_request=request, by=team.reviewer, verdict="approve")
        filing.refresh_from_db()
        approved = filing.approved_version
        algorithm.usage_scenario = "批准后补充的使用场景。"
        with django_capture_on_commit_callbacks(execute=True):
            algorithm.save()
        client.force_login(team.editor)
        body = _history(client, algorithm)
        assert f'href="?a={approved.pk}&amp;b=now#comparison" data-shortcut="approved"' in body
        body = _history(client, algorithm, a=approved.pk, b="now")
        result = body.split('id="comparison-result"')[1]
        assert f'data-pointer="{BASE}/usage_scenario"' in result
        assert "批准后补充的使用场景。" in result


@pytest.fixture
def filed(filing, team, django_capture_on_commit_callbacks):
    filing.status = S.SUBMITTED
    filing.submitted_on = dt.date(2025, 2, 20)
    filing.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.filing_record(
            filing=filing,
            by=team.editor,
            filing_number=FILING_NUMBER,
            filed_on=dt.date(2025, 2, 28),
        )
    filing.refresh_from_db()
    return filing


def _edit(algorithm, capture, **values):
    for name, value in values.items():
        setattr(algorithm, name, value)
    with capture(execute=True):
        algorithm.save()
    return SnapshotVersion.objects.filter(algorithm=algorithm).latest("pk")


class TestChangeFilingDue:
    def test_nothing_is_due_before_anything_was_filed(self, algorithm, filing):
        assert services.change_due(algorithm) == (False, None, [])

    def test_nothing_is_due_while_the_data_is_as_filed(self, algorithm, filed):
        assert services.change_due(algorithm) == (False, None, [])

    def test_a_change_after_filing_is_due_10_working_days_after_it(
        self, algorithm, filed, django_capture_on_commit_callbacks
    ):
        version = _edit(algorithm, django_capture_on_commit_callbacks, name="变更后的推荐算法")
        _at(version, dt.date(2025, 3, 3))
        due, deadline, changes = services.change_due(algorithm)
        assert due is True
        assert deadline == filing_deadline("change", dt.date(2025, 3, 3))
        assert deadline.due == dt.date(2025, 3, 17)
        assert [c.pointer for c in changes] == [f"{BASE}/name"]

    def test_the_clock_starts_at_the_first_of_several_changes(
        self, algorithm, filed, django_capture_on_commit_callbacks
    ):
        first = _edit(algorithm, django_capture_on_commit_callbacks, name="第一次变更的算法")
        second = _edit(algorithm, django_capture_on_commit_callbacks, strategy="第二次变更。")
        _at(first, dt.date(2025, 3, 3))
        _at(second, dt.date(2025, 3, 20))
        _due, deadline, changes = services.change_due(algorithm)
        assert deadline.due == dt.date(2025, 3, 17)
        assert len(changes) == 2

    def test_a_change_undone_does_not_start_the_clock(
        self, algorithm, filed, django_capture_on_commit_callbacks
    ):
        original = algorithm.name
        first = _edit(algorithm, django_capture_on_commit_callbacks, name="临时修改的算法")
        back = _edit(algorithm, django_capture_on_commit_callbacks, name=original)
        assert back.digest == filed.filed_version.digest
        assert services.change_due(algorithm) == (False, None, [])
        again = _edit(algorithm, django_capture_on_commit_callbacks, strategy="真正的变更。")
        _at(first, dt.date(2025, 3, 3))
        _at(back, dt.date(2025, 3, 4))
        _at(again, dt.date(2025, 4, 1))
        _due, deadline, _changes = services.change_due(algorithm)
        assert deadline == filing_deadline("change", dt.date(2025, 4, 1))

    def test_a_cancelled_filing_asks_for_no_change_filing(
        self, algorithm, filed, team, django_capture_on_commit_callbacks
    ):
        _edit(algorithm, django_capture_on_commit_callbacks, strategy="变更后的策略。")
        filed.transition(S.CANCELLED, role="editor", by=team.editor)
        assert services.change_due(algorithm)[0] is False

    def test_the_history_and_algorithm_pages_say_so_with_the_deadline(
        self, client, team, algorithm, filed, django_capture_on_commit_callbacks
    ):
        version = _edit(algorithm, django_capture_on_commit_callbacks, strategy="变更后的策略。")
        _at(version, dt.date(2025, 3, 3))
        client.force_login(team.viewer)
        body = _history(client, algorithm)
        assert 'id="change-filing-due"' in body
        assert "A change filing is due by 2025-03-17." in body
        assert 'data-shortcut="filed"' in body
        detail = client.get(
            reverse("filings:algorithm", args=[algorithm.workspace.slug, algorithm.pk]),
            HTTP_ACCEPT_LANGUAGE="en",
        ).content.decode()
        assert "A change filing is due by 2025-03-17." in detail
        assert f"?a={filed.filed_version_id}&amp;b=now#comparison" in detail

    def test_the_history_page_says_when_the_data_is_as_filed(self, client, team, algorithm, filed):
        client.force_login(team.viewer)
        body = _history(client, algorithm)
        assert 'id="no-change-due"' in body and 'id="change-filing-due"' not in body

    def test_the_filed_version_is_what_the_cac_received(self, algorithm, filed):
        assert filed.filed_version.digest == versions.digest(versions.content(algorithm))
