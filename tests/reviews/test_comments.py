"""Comment threads on fields, steps and the whole filing; the CAC's return and filing number."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from filings import interchange
from filings.choices import FilingStatus as S
from filings.models import Activity, InvalidTransition
from reviews import anchors, services
from reviews.models import CommentThread

pytestmark = pytest.mark.django_db

SUMMARY = "/providers/0/algorithms/0/summary"
FUNCTION = "/providers/0/algorithms/0/deployments/0/function_name"
FILING_NUMBER = "网信算备110108823483901230031号"


class TestAnchors:
    def test_pointers_read_as_field_labels(self, algorithm):
        document = interchange.algorithm_snapshot(algorithm)
        assert anchors.pointer_label(SUMMARY, document) == "Summary"
        assert anchors.pointer_label("/snapshot" + SUMMARY) == "Summary"
        assert (
            anchors.pointer_label(FUNCTION, document) == "Function name (deployment 1 · 首页推荐)"
        )
        assert anchors.pointer_label(FUNCTION) == "Function name (deployment 1)"
        assert (
            anchors.pointer_label("/providers/0/legal_representative/id_type")
            == "ID type of the legal representative"
        )
        assert anchors.pointer_label("/providers/0/algorithms/0/disclosure/purpose") == (
            "Purpose (disclosure)"
        )
        assert anchors.pointer_label("/attachments/flowchart") == "Attachments: Algorithm flowchart"

    def test_steps_and_the_whole_filing_have_names(self):
        assert anchors.anchor_label("") == "The whole filing"
        assert anchors.anchor_label("basic") == "Step: Basic attributes"

    def test_an_unknown_pointer_is_named_in_words_never_shown_raw(self):
        assert anchors.pointer_label("/nowhere/3") == "Nowhere"
        assert anchors.pointer_label("/snapshot/workspace") == "Workspace"
        assert anchors.pointer_label("/snapshot/workspace/name") == "Workspace › name"
        assert anchors.locate("/providers/0/algorithms/0/no_such_field") is None

    def test_pointers_lead_to_the_step_where_the_field_is_edited(self):
        assert anchors.step_of(SUMMARY) == "detail"
        assert anchors.step_of("/providers/0/algorithms/0/type") == "basic"
        assert anchors.step_of(FUNCTION) == "products"
        assert anchors.step_of("/providers/0/uscc") == "entity"
        assert anchors.step_of("/providers/0/algorithms/0/disclosure/purpose") == "disclosure"
        assert anchors.step_of("/attachments/flowchart") == "attachments"
        assert anchors.step_of("") is None

    def test_the_choices_hold_every_field_of_the_snapshot(self, algorithm):
        document = interchange.algorithm_snapshot(algorithm)
        values = anchors.choice_values(anchors.anchor_choices(algorithm, document))
        assert {"", "entity", "basic", "review", SUMMARY, FUNCTION} <= values
        assert "/providers/0/algorithms/0/disclosure/basic_principle" in values
        assert not any("/filings/" in v for v in values)  # lifecycle records are not reviewed

    def test_self_assessment_answers_are_offered_whole(
        self, algorithm, django_capture_on_commit_callbacks
    ):
        from assessments.models import Answer

        # complete_algorithm answers every item: keep one answer only.
        with django_capture_on_commit_callbacks(execute=True):
            Answer.objects.filter(assessment__algorithm=algorithm).exclude(
                item="ARS-22-complaints"
            ).delete()
        document = interchange.algorithm_snapshot(algorithm)
        values = anchors.choice_values(anchors.anchor_choices(algorithm, document))
        answer = "/providers/0/algorithms/0/assessment/answers/0"
        assert answer in values and f"{answer}/measures" not in values
        assert anchors.pointer_label(answer, document) == "Answer 1 · ARS-22-complaints"
        assert anchors.step_of(answer) == "assessment"


class TestThreads:
    @pytest.mark.parametrize("anchor", ["", "basic", SUMMARY, FUNCTION, "/attachments/flowchart"])
    def test_a_reviewer_comments_on_a_field_a_step_or_the_whole_filing(
        self, client, filing, team, anchor
    ):
        client.force_login(team.reviewer)
        url = reverse("reviews:thread-create", args=[filing.workspace.slug, filing.pk])
        response = client.post(url, {"anchor": anchor, "body": "请核对。"})
        assert response.status_code == 302
        thread = CommentThread.objects.get()
        assert (thread.anchor, thread.author, thread.source) == (anchor, team.reviewer, "team")
        assert response["Location"].endswith(f"#thread-{thread.pk}")
        assert Activity.objects.get(verb=Activity.Verb.COMMENTED).data["thread"] == thread.pk

    def test_the_page_shows_the_anchor_as_the_fields_label(self, client, filing, team):
        thread = services.thread_create(
            filing=filing, by=team.reviewer, anchor=FUNCTION, body="名称太长。"
        )
        client.force_login(team.editor)
        body = client.get(
            reverse("reviews:review", args=[filing.workspace.slug, filing.pk]),
            HTTP_ACCEPT_LANGUAGE="en",
        ).content.decode()
        assert "Function name (deployment 1 · 首页推荐)" in body
        wizard = reverse(
            "filings:wizard", args=[filing.workspace.slug, filing.algorithm_id, "products"]
        )
        # The link lands on the thread beside its field.
        assert f'href="{wizard}#thread-{thread.pk}"' in body

    def test_an_anchor_that_is_not_a_field_is_refused(self, client, filing, team):
        client.force_login(team.reviewer)
        url = reverse("reviews:thread-create", args=[filing.workspace.slug, filing.pk])
        response = client.post(url, {"anchor": "/providers/0/nonsense", "body": "x"})
        assert response.status_code == 400
        assert not CommentThread.objects.exists()
        with pytest.raises(ValidationError):
            services.thread_create(filing=filing, by=team.reviewer, anchor="/nowhere", body="x")

    def test_an_empty_comment_is_refused(self, client, filing, team):
        client.force_login(team.reviewer)
        url = reverse("reviews:thread-create", args=[filing.workspace.slug, filing.pk])
        assert client.post(url, {"anchor": "", "body": ""}).status_code == 400

    def test_a_thread_is_answered_and_resolved(self, client, filing, team):
        thread = services.thread_create(
            filing=filing, by=team.reviewer, anchor=SUMMARY, body="太短。"
        )
        client.force_login(team.editor)
        client.post(
            reverse("reviews:thread-reply", args=[filing.workspace.slug, thread.pk]),
            {"body": "已补充。"},
        )
        client.post(reverse("reviews:thread-resolve", args=[filing.workspace.slug, thread.pk]))
        thread.refresh_from_db()
        assert [c.body for c in thread.comments.all()] == ["太短。", "已补充。"]
        assert thread.resolved_by == team.editor and thread.is_resolved
        assert Activity.objects.filter(verb=Activity.Verb.RESOLVED, actor=team.editor).count() == 1

    def test_resolving_twice_records_it_once(self, filing, team):
        thread = services.thread_create(filing=filing, by=team.reviewer, anchor="", body="x")
        assert services.thread_resolve(thread=thread, by=team.editor)
        assert not services.thread_resolve(thread=thread, by=team.reviewer)
        thread.refresh_from_db()
        assert thread.resolved_by == team.editor
        assert Activity.objects.filter(verb=Activity.Verb.RESOLVED).count() == 1

    def test_comments_are_escaped(self, client, filing, team):
        services.thread_create(
            filing=filing, by=team.reviewer, anchor="", body="<script>x</script>"
        )
        client.force_login(team.editor)
        body = client.get(
            reverse("reviews:review", args=[filing.workspace.slug, filing.pk])
        ).content.decode()
        assert "<script>x</script>" not in body and "&lt;script&gt;x&lt;/script&gt;" in body


def _submitted(filing):
    filing.status = S.SUBMITTED
    filing.submitted_on = dt.date(2025, 3, 3)
    filing.save()


class TestAtTheCac:
    def test_an_editor_records_the_submission_date(self, client, filing, team):
        filing.status = S.APPROVED
        filing.save()
        client.force_login(team.editor)
        client.post(
            reverse("reviews:submission", args=[filing.workspace.slug, filing.pk]),
            {"submitted_on": "2025-03-03"},
        )
        filing.refresh_from_db()
        assert (filing.status, filing.submitted_on) == (S.SUBMITTED, dt.date(2025, 3, 3))

    def test_a_submission_date_in_the_future_is_refused(self, client, filing, team):
        filing.status = S.APPROVED
        filing.save()
        client.force_login(team.editor)
        response = client.post(
            reverse("reviews:submission", args=[filing.workspace.slug, filing.pk]),
            {"submitted_on": "2999-01-01"},
        )
        assert response.status_code == 400
        filing.refresh_from_db()
        assert filing.status == S.APPROVED

    def test_the_cacs_return_comments_become_threads_on_their_fields(self, client, filing, team):
        _submitted(filing)
        client.force_login(team.editor)
        response = client.post(
            reverse("reviews:return", args=[filing.workspace.slug, filing.pk]),
            {
                "returned_on": "2025-03-10",
                "cac-TOTAL_FORMS": "3",
                "cac-INITIAL_FORMS": "0",
                "cac-0-anchor": SUMMARY,
                "cac-0-body": "算法简介应说明算法的基本原理。",
                "cac-1-anchor": "/attachments/flowchart",
                "cac-1-body": "流程图不清晰。",
                "cac-2-anchor": "",
                "cac-2-body": "",
            },
        )
        assert response.status_code == 302
        filing.refresh_from_db()
        assert filing.status == S.RETURNED
        threads = CommentThread.objects.filter(filing=filing, source="cac").order_by("pk")
        assert [(t.anchor, t.comments.get().body) for t in threads] == [
            (SUMMARY, "算法简介应说明算法的基本原理。"),
            ("/attachments/flowchart", "流程图不清晰。"),
        ]
        activity = Activity.objects.get(verb=Activity.Verb.RETURNED)
        assert activity.data["returned_on"] == "2025-03-10"
        body = client.get(
            reverse("reviews:review", args=[filing.workspace.slug, filing.pk]),
            HTTP_ACCEPT_LANGUAGE="en",
        ).content.decode()
        assert body.count('data-source="cac"') == 2
        assert "Attachments: Algorithm flowchart" in body

    def test_a_return_needs_at_least_one_comment(self, client, filing, team):
        _submitted(filing)
        client.force_login(team.editor)
        response = client.post(
            reverse("reviews:return", args=[filing.workspace.slug, filing.pk]),
            {"returned_on": "2025-03-10", "cac-TOTAL_FORMS": "1", "cac-INITIAL_FORMS": "0"},
        )
        assert response.status_code == 400
        filing.refresh_from_db()
        assert filing.status == S.SUBMITTED

    def test_a_return_before_the_submission_is_refused(self, client, filing, team):
        _submitted(filing)
        client.force_login(team.editor)
        response = client.post(
            reverse("reviews:return", args=[filing.workspace.slug, filing.pk]),
            {
                "returned_on": "2025-03-01",
                "cac-TOTAL_FORMS": "1",
                "cac-INITIAL_FORMS": "0",
                "cac-0-anchor": "",
                "cac-0-body": "x",
            },
        )
        assert response.status_code == 400

    def test_the_filing_number_is_recorded_and_shown_with_the_display_snippet(
        self, client, filing, team
    ):
        _submitted(filing)
        client.force_login(team.editor)
        client.post(
            reverse("reviews:filed", args=[filing.workspace.slug, filing.pk]),
            {"filing_number": FILING_NUMBER, "filed_on": "2025-04-01"},
        )
        filing.refresh_from_db()
        assert (filing.status, filing.filing_number) == (S.FILED, FILING_NUMBER)
        assert filing.filed_on == dt.date(2025, 4, 1) and filing.filed_version is not None
        assert Activity.objects.get(verb=Activity.Verb.FILED).detail == FILING_NUMBER
        body = client.get(
            reverse("reviews:review", args=[filing.workspace.slug, filing.pk])
        ).content.decode()
        # The snippet's source, escaped for reading and copying, and its rendering.
        source = (
            "&lt;a href=&quot;https://beian.cac.gov.cn/#/index&quot; target=&quot;_blank&quot; "
            f"rel=&quot;noopener noreferrer&quot;&gt;{FILING_NUMBER}&lt;/a&gt;"
        )
        assert (
            f'<pre class="bg-body-tertiary border rounded p-2 mb-2" id="display-snippet"><code>{source}</code></pre>'
            in body
        )
        assert 'data-copy-target="display-snippet"' in body
        assert (
            f'<a href="https://beian.cac.gov.cn/#/index" target="_blank" rel="noopener noreferrer">{FILING_NUMBER}</a>'
            in body
        )

    @pytest.mark.parametrize("number", ["网信算备12345号", "110108823483901230031", "<b>1</b>"])
    def test_a_malformed_filing_number_is_refused(self, client, filing, team, number):
        _submitted(filing)
        client.force_login(team.editor)
        response = client.post(
            reverse("reviews:filed", args=[filing.workspace.slug, filing.pk]),
            {"filing_number": number, "filed_on": "2025-04-01"},
        )
        assert response.status_code == 400
        filing.refresh_from_db()
        assert filing.status == S.SUBMITTED
        with pytest.raises(ValidationError):
            services.filing_record(
                filing=filing, by=team.editor, filing_number=number, filed_on=dt.date(2025, 4, 1)
            )

    def test_the_snippet_escapes_what_it_is_given(self):
        snippet = services.display_snippet('网信算备<script>"&</script>号')
        assert "<script>" not in snippet
        assert "&lt;script&gt;&quot;&amp;&lt;/script&gt;" in snippet
        assert snippet.startswith('<a href="https://beian.cac.gov.cn/#/index"')

    def test_a_22_digit_number_is_accepted_with_a_warning(self, client, filing, team):
        _submitted(filing)
        client.force_login(team.editor)
        response = client.post(
            reverse("reviews:filed", args=[filing.workspace.slug, filing.pk]),
            {"filing_number": "网信算备1101082242366066220017号", "filed_on": "2025-04-01"},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert "22 digits" in response.content.decode()

    def test_the_number_cannot_be_recorded_before_submission(self, filing, team):
        with pytest.raises(InvalidTransition):
            services.filing_record(
                filing=filing,
                by=team.editor,
                filing_number=FILING_NUMBER,
                filed_on=dt.date(2025, 4, 1),
            )
