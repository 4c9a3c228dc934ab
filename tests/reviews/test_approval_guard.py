"""Approval means something (issue 11, items 1-3): it is refused while the
checks report errors, needs the open warnings acknowledged (and records
that), is of the version the reviewer saw, and (four eyes) not by whoever
last changed the data. The rule is the lifecycle's, so the review page and
a direct call of the lifecycle are refused alike."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from filings import interchange, lifecycle, versions
from filings.choices import FilingStatus as S
from filings.models import Activity, Algorithm, Filing
from reviews import services
from reviews.models import Decision
from tests.readonly import no_writes
from tests.reviews.helpers import decide, seen
from workspaces.models import Role, Workspace

pytestmark = pytest.mark.django_db

APPROVE = Decision.Verdict.APPROVE
CHANGES = Decision.Verdict.REQUEST_CHANGES
A = "/providers/0/algorithms/0"
# What the `algorithm` fixture leaves open on purpose (tests/reviews/conftest.py).
OPEN_WARNINGS = [
    {"code": "icp_missing", "pointer": "/providers/0/icp_number"},
]


def _status(filing) -> str:
    filing.refresh_from_db()
    return filing.status


def _changed_by(algorithm, user, **values) -> None:
    """`user` changes the algorithm's data: the version is recorded with her as
    its author, as filings.versions does for the user of the request that wrote."""
    Algorithm.objects.filter(pk=algorithm.pk).update(**values)
    versions.check_algorithm(Algorithm.objects.get(pk=algorithm.pk), by=user)


@pytest.fixture
def in_review(filing, team):
    """In review, asked of the owner and a reviewer by the editor."""
    services.review_request_create(
        filing=filing, by=team.editor, reviewers=[team.owner, team.reviewer]
    )
    return filing


def _review_url(filing) -> str:
    return reverse("reviews:review", args=[filing.workspace.slug, filing.pk])


def _decide_url(filing) -> str:
    return reverse("reviews:decide", args=[filing.workspace.slug, filing.pk])


def _digest_on_page(body: str) -> str:
    match = re.search(r'name="seen_digest" value="([0-9a-f]{64})"', body)
    assert match, "the decision form carries the version shown"
    return match.group(1)


# ---------------------------------------------------------------------------
# The guard itself: a function of the problems
# ---------------------------------------------------------------------------


class TestApprovalRefusal:
    def _problems(self, *severities):
        from filings.checks import Problem

        return [Problem("c", s, f"/p/{i}", "m") for i, s in enumerate(severities)]

    def test_an_error_refuses_even_with_the_warnings_acknowledged(self):
        refusal = lifecycle.approval_refusal(
            self._problems("warning", "error"), warnings_acknowledged=True
        )
        assert refusal.reason == lifecycle.REFUSED_ERRORS
        assert [p.severity for p in refusal.problems] == ["error"]

    def test_warnings_refuse_until_acknowledged(self):
        problems = self._problems("warning", "warning")
        refusal = lifecycle.approval_refusal(problems, warnings_acknowledged=False)
        assert refusal.reason == lifecycle.REFUSED_WARNINGS and len(refusal.problems) == 2
        assert lifecycle.approval_refusal(problems, warnings_acknowledged=True) is None

    def test_no_problem_needs_no_acknowledgement(self):
        assert lifecycle.approval_refusal([], warnings_acknowledged=False) is None


# ---------------------------------------------------------------------------
# A direct call of the lifecycle (any path: admin, command, a future view)
# ---------------------------------------------------------------------------


class TestLifecycleGuard:
    def test_approval_with_check_errors_is_refused(self, filing, team):
        Algorithm.objects.filter(pk=filing.algorithm_id).update(strategy="")
        Filing.objects.filter(pk=filing.pk).update(status=S.IN_REVIEW)
        with pytest.raises(lifecycle.GuardRefused) as refused:
            filing.transition(S.APPROVED, role=Role.REVIEWER, by=team.reviewer,
                              warnings_acknowledged=True)  # fmt: skip
        assert refused.value.reason == lifecycle.REFUSED_ERRORS
        assert [(p.code, p.pointer) for p in refused.value.problems] == [
            ("required", f"{A}/strategy")
        ]
        filing.refresh_from_db()
        assert filing.status == S.IN_REVIEW and filing.approved_version is None
        assert not Activity.objects.filter(verb=Activity.Verb.TRANSITION).exists()

    def test_open_warnings_need_the_acknowledgement(self, filing, team):
        Filing.objects.filter(pk=filing.pk).update(status=S.IN_REVIEW)
        with pytest.raises(lifecycle.GuardRefused) as refused:
            filing.transition(S.APPROVED, role=Role.REVIEWER, by=team.reviewer)
        assert refused.value.reason == lifecycle.REFUSED_WARNINGS
        assert _status(filing) == S.IN_REVIEW
        filing.transition(
            S.APPROVED, role=Role.REVIEWER, by=team.reviewer, warnings_acknowledged=True
        )
        assert _status(filing) == S.APPROVED
        assert filing.approved_version.digest == seen(filing)

    def test_a_version_other_than_the_one_seen_is_refused(self, filing, team):
        Filing.objects.filter(pk=filing.pk).update(status=S.IN_REVIEW)
        old = seen(filing)
        _changed_by(
            filing.algorithm, team.editor, usage_scenario="审核期间改写的使用场景，较原文更具体。"
        )
        with pytest.raises(lifecycle.GuardRefused) as refused:
            filing.transition(S.APPROVED, role=Role.REVIEWER, by=team.reviewer,
                              seen_digest=old, warnings_acknowledged=True)  # fmt: skip
        assert refused.value.reason == lifecycle.REFUSED_STALE
        assert refused.value.seen_digest == old
        assert refused.value.current_digest == seen(filing) != old
        assert _status(filing) == S.IN_REVIEW

    def test_recording_a_submission_with_check_errors_is_refused(self, filing, team):
        # An approval imported or set around the review, on data that has errors.
        Algorithm.objects.filter(pk=filing.algorithm_id).update(summary="")
        Filing.objects.filter(pk=filing.pk).update(status=S.APPROVED)
        with pytest.raises(lifecycle.GuardRefused) as refused:
            services.submission_record(filing=filing, by=team.editor, submitted_on="2026-01-05")
        assert refused.value.reason == lifecycle.REFUSED_ERRORS
        assert _status(filing) == S.APPROVED

    def test_an_imported_approval_arrives_as_a_draft(self, filing, team, workspace):
        Filing.objects.filter(pk=filing.pk).update(status=S.IN_REVIEW)
        filing.transition(S.APPROVED, role=Role.REVIEWER, by=team.reviewer,
                          warnings_acknowledged=True)  # fmt: skip
        document = interchange.export_workspace(workspace)
        assert document["providers"][0]["algorithms"][0]["filings"][0]["status"] == S.APPROVED
        target = Workspace.objects.create(name="导入", slug="imported")
        interchange.import_document(document, workspace=target)
        (imported,) = Filing.objects.filter(workspace=target)
        assert imported.status == S.DRAFT and imported.approved_version is None


# ---------------------------------------------------------------------------
# Four eyes
# ---------------------------------------------------------------------------


class TestFourEyes:
    @pytest.mark.parametrize(
        ("four_eyes", "changer", "approver", "allowed"),
        [
            (True, "owner", "owner", False),  # she changed it: someone else approves
            (True, "editor", "owner", True),
            (True, "reviewer", "reviewer", False),
            (False, "owner", "owner", True),  # switched off: allowed
            (False, "reviewer", "reviewer", True),
        ],
    )
    def test_whoever_last_changed_the_data_does_not_approve_it(
        self, client, in_review, team, workspace, four_eyes, changer, approver, allowed
    ):
        Workspace.objects.filter(pk=workspace.pk).update(four_eyes=four_eyes)
        _changed_by(in_review.algorithm, getattr(team, changer),
                    usage_scenario="审核期间改写的使用场景，较原文更具体。")  # fmt: skip
        client.force_login(getattr(team, approver))
        page = client.get(_review_url(in_review)).content.decode()
        assert ('id="four-eyes-blocked"' in page) is not allowed
        response = client.post(
            _decide_url(in_review),
            {"verdict": APPROVE, "seen_digest": seen(in_review), "acknowledge_warnings": "on"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        decided = Decision.objects.filter(reviewer=getattr(team, approver), verdict=APPROVE)
        if allowed:
            assert response.status_code == 302
            assert decided.exists()
        else:
            assert response.status_code == 400
            body = response.content.decode()
            assert 'data-reason="four_eyes"' in body and "Four eyes" in body
            assert not decided.exists()

    def test_it_is_on_by_default(self, workspace):
        assert Workspace.objects.get(pk=workspace.pk).four_eyes is True

    def test_the_lifecycle_refuses_it_directly_too(self, filing, team):
        Filing.objects.filter(pk=filing.pk).update(status=S.IN_REVIEW)
        _changed_by(
            filing.algorithm, team.owner, usage_scenario="由所有者改写的使用场景，较原文更具体。"
        )
        with pytest.raises(lifecycle.GuardRefused) as refused:
            filing.transition(S.APPROVED, role=Role.OWNER, by=team.owner,
                              warnings_acknowledged=True)  # fmt: skip
        assert refused.value.reason == lifecycle.REFUSED_FOUR_EYES
        filing.transition(S.APPROVED, role=Role.REVIEWER, by=team.reviewer,
                          warnings_acknowledged=True)  # fmt: skip
        assert _status(filing) == S.APPROVED

    def test_the_reviewers_own_decision_does_not_make_her_the_author(self, in_review, team):
        # Recording the approved version is no change of the data.
        decide(review_request=services.open_request(in_review), by=team.reviewer, verdict=APPROVE)
        assert lifecycle.last_changed_by(in_review.algorithm, seen(in_review)) != team.reviewer.pk


class TestFourEyesSetting:
    def _url(self, workspace) -> str:
        return reverse("four-eyes", args=[workspace.slug])

    @pytest.mark.parametrize("role", [Role.OWNER, Role.EDITOR, Role.REVIEWER, Role.VIEWER])
    def test_only_owners_switch_it(self, client, team, workspace, role):
        client.force_login(team.by_role(role))
        response = client.post(self._url(workspace), {"four_eyes": "off"})
        workspace.refresh_from_db()
        if role == Role.OWNER:
            assert response.status_code == 302 and workspace.four_eyes is False
        else:
            assert response.status_code == 403 and workspace.four_eyes is True

    def test_the_switch_is_in_the_feed_in_the_readers_language(self, client, team, workspace):
        client.force_login(team.owner)
        client.post(self._url(workspace), {"four_eyes": "off"})
        client.post(self._url(workspace), {"four_eyes": "off"})  # no change: not logged again
        client.post(self._url(workspace), {"four_eyes": "on"})
        entries = Activity.objects.filter(data__event="four_eyes").order_by("pk")
        assert [(e.actor, e.data["on"]) for e in entries] == [
            (team.owner, False),
            (team.owner, True),
        ]
        client.force_login(team.viewer)
        feed = client.get(
            reverse("reviews:activity", args=[workspace.slug]), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
        assert "switched four eyes off" in feed and "switched four eyes on" in feed

    def test_the_members_page_shows_it_and_only_owners_get_the_form(self, client, team, workspace):
        url = reverse("members", args=[workspace.slug])
        client.force_login(team.owner)
        with no_writes():
            body = client.get(url).content.decode()
        assert 'data-four-eyes="on"' in body and 'data-testid="four-eyes-form"' in body
        client.force_login(team.reviewer)
        body = client.get(url).content.decode()
        assert 'data-four-eyes="on"' in body and 'data-testid="four-eyes-form"' not in body

    @pytest.mark.parametrize("value", ["", "maybe", "ON"])
    def test_a_bad_value_changes_nothing(self, client, team, workspace, value):
        client.force_login(team.owner)
        response = client.post(self._url(workspace), {"four_eyes": value})
        assert response.status_code == 302
        workspace.refresh_from_db()
        assert workspace.four_eyes is True
        assert not Activity.objects.filter(data__event="four_eyes").exists()

    def test_it_needs_a_login_a_post_and_membership(self, client, team, workspace, member_factory):
        from tests.factories import WorkspaceFactory

        assert client.post(self._url(workspace), {"four_eyes": "off"})["Location"].startswith(
            reverse("account_login")
        )
        client.force_login(team.owner)
        assert client.get(self._url(workspace)).status_code == 405
        other = WorkspaceFactory()
        assert client.post(self._url(other), {"four_eyes": "off"}).status_code == 404
        other.refresh_from_db()
        assert other.four_eyes is True


# ---------------------------------------------------------------------------
# The review page
# ---------------------------------------------------------------------------


class TestReviewPage:
    def test_it_shows_the_checks_with_links_to_the_fields(self, client, in_review, team):
        Algorithm.objects.filter(pk=in_review.algorithm_id).update(strategy="")
        client.force_login(team.reviewer)
        with no_writes():
            body = client.get(_review_url(in_review), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert 'id="checks" data-errors="1" data-submission-errors="0" data-warnings="1"' in body
        row = re.search(rf'<li[^>]*data-pointer="{A}/strategy".*?</li>', body, re.S).group(0)
        assert 'data-severity="error"' in row
        href = re.search(r'href="([^"]+)"', row).group(1)
        assert href.startswith(
            f"/w/{in_review.workspace.slug}/algorithms/{in_review.algorithm_id}/"
        )
        assert href.endswith("-strategy")
        # Approve is not offered; request changes is.
        assert re.search(r'value="approve" class="btn btn-success" disabled', body)
        assert 'id="approve-blocked"' in body

    def test_approval_with_errors_is_refused_through_the_view(self, client, in_review, team):
        Algorithm.objects.filter(pk=in_review.algorithm_id).update(strategy="")
        client.force_login(team.reviewer)
        response = client.post(
            _decide_url(in_review),
            {"verdict": APPROVE, "seen_digest": seen(in_review), "acknowledge_warnings": "on"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.status_code == 400
        body = response.content.decode()
        assert 'data-reason="errors"' in body and "1 error" in body
        assert _status(in_review) == S.IN_REVIEW
        assert not Decision.objects.exists()

    def test_warnings_need_the_acknowledgement_which_is_recorded(self, client, in_review, team):
        client.force_login(team.reviewer)
        page = client.get(_review_url(in_review)).content.decode()
        assert 'name="acknowledge_warnings"' in page
        digest = _digest_on_page(page)
        refused = client.post(_decide_url(in_review), {"verdict": APPROVE, "seen_digest": digest},
                              HTTP_ACCEPT_LANGUAGE="en")  # fmt: skip
        assert refused.status_code == 400
        assert 'data-reason="warnings"' in refused.content.decode()
        assert not Decision.objects.exists()
        client.post(_decide_url(in_review),
                    {"verdict": APPROVE, "seen_digest": digest, "acknowledge_warnings": "on"})  # fmt: skip
        decision = Decision.objects.get(reviewer=team.reviewer)
        assert decision.acknowledged_warnings == OPEN_WARNINGS
        assert decision.version.digest == digest

    def test_a_stale_approval_is_refused_and_shows_what_changed(self, client, in_review, team):
        client.force_login(team.reviewer)
        digest = _digest_on_page(client.get(_review_url(in_review)).content.decode())
        _changed_by(
            in_review.algorithm, team.editor, usage_scenario="工程师在审核期间改写的使用场景文字。"
        )
        response = client.post(
            _decide_url(in_review),
            {"verdict": APPROVE, "seen_digest": digest, "acknowledge_warnings": "on",
             "note": "可以提交。"},
            HTTP_ACCEPT_LANGUAGE="en",
        )  # fmt: skip
        assert response.status_code == 409
        body = response.content.decode()
        assert 'data-reason="stale"' in body and 'id="stale-diff"' in body
        assert f'data-pointer="/snapshot{A}/usage_scenario"' in body
        assert not Decision.objects.exists() and _status(in_review) == S.IN_REVIEW
        # The form now carries the version she has just been shown, and keeps her note.
        now = _digest_on_page(body)
        assert now == seen(in_review) != digest
        assert "可以提交。" in body
        client.post(_decide_url(in_review),
                    {"verdict": APPROVE, "seen_digest": now, "acknowledge_warnings": "on"})  # fmt: skip
        assert Decision.objects.get(reviewer=team.reviewer).version.digest == now

    def test_request_changes_records_the_version_seen(self, client, in_review, team):
        client.force_login(team.reviewer)
        digest = _digest_on_page(client.get(_review_url(in_review)).content.decode())
        _changed_by(
            in_review.algorithm, team.editor, usage_scenario="工程师在审核期间改写的使用场景文字。"
        )
        response = client.post(
            _decide_url(in_review),
            {"verdict": CHANGES, "seen_digest": digest, "note": "请补充数据来源。"},
        )
        assert response.status_code == 302
        decision = Decision.objects.get(reviewer=team.reviewer)
        assert decision.version.digest == digest != seen(in_review)
        assert decision.acknowledged_warnings == []
        assert _status(in_review) == S.CHANGES_REQUESTED

    @pytest.mark.parametrize("digest", [None, "", "abc", "G" * 64])
    def test_a_decision_without_a_valid_version_is_refused(self, client, in_review, team, digest):
        client.force_login(team.reviewer)
        data = {"verdict": APPROVE, "acknowledge_warnings": "on"}
        if digest is not None:
            data["seen_digest"] = digest
        assert client.post(_decide_url(in_review), data).status_code == 400
        assert not Decision.objects.exists() and _status(in_review) == S.IN_REVIEW

    def test_the_service_refuses_an_approval_of_another_version(self, in_review, team):
        with pytest.raises(lifecycle.GuardRefused):
            decide(review_request=services.open_request(in_review), by=team.reviewer,
                   verdict=APPROVE, seen_digest="0" * 64)  # fmt: skip
        assert not Decision.objects.exists()
