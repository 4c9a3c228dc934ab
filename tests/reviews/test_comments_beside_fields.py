"""Comment threads shown beside the field they are about (wizard, algorithm page),
links that land on them, Reply and Resolve as separate actions, and what changed
since changes were requested (issue 11, item 4)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from filings import versions
from filings.models import Activity
from reviews import services
from reviews.models import Comment, CommentThread, Decision
from tests.factories import DeploymentFactory, FilingFactory
from tests.readonly import no_writes

pytestmark = pytest.mark.django_db

SUMMARY = "/providers/0/algorithms/0/summary"
USAGE = "/providers/0/algorithms/0/usage_scenario"
FUNCTION = "/providers/0/algorithms/0/deployments/0/function_name"
PURPOSE = "/providers/0/algorithms/0/disclosure/purpose"
PROVIDER_NAME = "/providers/0/name"


def _wizard(filing, step: str) -> str:
    return reverse("filings:wizard", args=[filing.workspace.slug, filing.algorithm_id, step])


def _field_block(body: str, name: str) -> str:
    """The HTML of one wizard field's block, up to the next field's."""
    start = body.index(f'data-field="{name}"')
    following = body.find("data-field=", start + 1)
    return body[start : following if following != -1 else len(body)]


def _get(client, url: str) -> str:
    with no_writes():
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def summary_thread(filing, team):
    return services.thread_create(
        filing=filing, by=team.reviewer, anchor=SUMMARY, body="简介太短，请补充。"
    )


class TestInTheWizard:
    def test_the_thread_is_shown_beside_its_field_with_a_count(
        self, client, filing, team, summary_thread
    ):
        client.force_login(team.editor)
        body = _get(client, _wizard(filing, "detail"))
        block = _field_block(body, "summary")
        assert f'id="thread-{summary_thread.pk}"' in block
        assert "简介太短，请补充。" in block and "1 open comment" in block
        # Not beside another field of the step.
        assert body.count(f'id="thread-{summary_thread.pk}"') == 1
        assert f"thread-{summary_thread.pk}" not in _field_block(body, "usage_scenario")

    def test_threads_on_rows_and_the_disclosure_land_on_their_objects(
        self, client, filing, team, algorithm
    ):
        DeploymentFactory(algorithm=algorithm, function_name="第二个功能")
        second = "/providers/0/algorithms/0/deployments/1/function_name"
        first = services.thread_create(filing=filing, by=team.reviewer, anchor=FUNCTION, body="一")
        other = services.thread_create(filing=filing, by=team.reviewer, anchor=second, body="二")
        purpose = services.thread_create(
            filing=filing, by=team.reviewer, anchor=PURPOSE, body="目的？"
        )
        client.force_login(team.editor)
        body = _get(client, _wizard(filing, "products"))
        deployments = list(algorithm.deployments.order_by("position", "pk"))
        panels = {
            d.pk: body[body.index(f'id="panel-deployment-{d.pk}"') :].split("</section>")[0]
            for d in deployments
        }
        assert f'id="thread-{first.pk}"' in _field_block(panels[deployments[0].pk], "function_name")
        assert f'id="thread-{other.pk}"' in _field_block(panels[deployments[1].pk], "function_name")
        assert f'id="thread-{first.pk}"' not in panels[deployments[1].pk]
        body = _get(client, _wizard(filing, "disclosure"))
        assert f'id="thread-{purpose.pk}"' in _field_block(body, "purpose")

    def test_a_step_thread_is_shown_at_the_top_of_its_step(self, client, filing, team):
        thread = services.thread_create(
            filing=filing, by=team.reviewer, anchor="basic", body="整步"
        )
        client.force_login(team.editor)
        body = _get(client, _wizard(filing, "basic"))
        top = body[body.index('id="step-threads"') :]
        assert f'id="thread-{thread.pk}"' in top and "Step: Basic attributes" in top
        assert f'id="thread-{thread.pk}"' not in _get(client, _wizard(filing, "detail"))

    def test_resolved_threads_and_other_algorithms_threads_are_not_shown(
        self, client, filing, team, summary_thread
    ):
        services.thread_resolve(thread=summary_thread, by=team.editor)
        stranger = FilingFactory(algorithm__provider__workspace=filing.workspace)
        elsewhere = services.thread_create(
            filing=stranger, by=team.reviewer, anchor=SUMMARY, body="别处"
        )
        client.force_login(team.editor)
        block = _field_block(_get(client, _wizard(filing, "detail")), "summary")
        assert "thread-" + str(summary_thread.pk) not in block
        assert "thread-" + str(elsewhere.pk) not in block and "open comment" not in block

    @pytest.mark.parametrize("role", ["owner", "editor"])
    def test_editors_answer_beside_the_field(self, client, filing, team, summary_thread, role):
        client.force_login(team.by_role(role))
        body = _get(client, _wizard(filing, "detail"))
        pk = summary_thread.pk
        block = _field_block(body, "summary")
        assert f'form="thread-form-{pk}"' in block and "data-thread-resolve" in block
        # The form those controls belong to is outside every panel's form.
        form = re.search(rf'<form[^>]*id="thread-form-{pk}"[^>]*>', body).group(0)
        assert reverse("reviews:thread-reply", args=[filing.workspace.slug, pk]) in form
        assert body.index(f'id="thread-form-{pk}"') > body.rindex("</fieldset>")

    @pytest.mark.parametrize("role", ["reviewer", "viewer"])
    def test_reviewers_and_viewers_read_it_only(self, client, filing, team, summary_thread, role):
        client.force_login(team.by_role(role))
        body = _get(client, _wizard(filing, "detail"))
        block = _field_block(body, "summary")
        assert "简介太短，请补充。" in block and "data-read-only" in block
        assert "thread-form-" not in body and "data-thread-resolve" not in body
        review_link = (
            reverse("reviews:review", args=[filing.workspace.slug, filing.pk])
            + f"#thread-{summary_thread.pk}"
        )
        # A reviewer answers on the review page; a viewer does not answer at all.
        assert (review_link in block) == (role == "reviewer")

    def test_the_queries_do_not_grow_with_the_threads(
        self, client, filing, team, algorithm, django_assert_num_queries
    ):
        client.force_login(team.editor)
        url = _wizard(filing, "products")
        services.thread_create(filing=filing, by=team.reviewer, anchor=FUNCTION, body="第一条")
        client.get(url)  # warm up (session, caches)
        with CaptureQueriesContext(connection) as one:
            body = client.get(url).content.decode()
        assert body.count("sb-thread ") == 1
        anchors = [FUNCTION, "/providers/0/algorithms/0/deployments/0/service", SUMMARY]
        for i in range(8):
            thread = services.thread_create(
                filing=filing, by=team.reviewer, anchor=anchors[i % 3], body=f"第{i}条"
            )
            services.comment_reply(thread=thread, by=team.editor, body="回复")
        with django_assert_num_queries(len(one.captured_queries)):
            body = client.get(url).content.decode()
        assert body.count("sb-thread ") == 1 + 6  # those on the products step


class TestOnTheAlgorithmPage:
    def test_threads_are_shown_beside_the_fields_the_page_shows(
        self, client, filing, team, algorithm, summary_thread
    ):
        function = services.thread_create(
            filing=filing, by=team.reviewer, anchor=FUNCTION, body="功能名"
        )
        provider = services.thread_create(
            filing=filing, by=team.reviewer, anchor=PROVIDER_NAME, body="主体名称"
        )
        client.force_login(team.reviewer)
        body = _get(
            client, reverse("filings:algorithm", args=[filing.workspace.slug, algorithm.pk])
        )
        summary = body[body.index('data-field="summary"') :].split("</dd>")[0]
        assert f'id="thread-{summary_thread.pk}"' in summary
        deployment = body[body.index("首页推荐") :].split("</li>")[0]
        assert f'id="thread-{function.pk}"' in deployment
        # Not a field this page shows: listed, with a link to the field in the wizard.
        other = body[body.index('id="other-threads"') :]
        assert f'id="thread-{provider.pk}"' in other
        assert f"{_wizard(filing, 'entity')}#thread-{provider.pk}" in other
        # A reviewer answers here: the page has no form around the threads.
        assert f'id="thread-form-{summary_thread.pk}"' in body

    def test_a_viewer_reads_them_only(self, client, filing, team, algorithm, summary_thread):
        client.force_login(team.viewer)
        body = _get(
            client, reverse("filings:algorithm", args=[filing.workspace.slug, algorithm.pk])
        )
        assert f'id="thread-{summary_thread.pk}"' in body
        assert "thread-form-" not in body


class TestLinksLandOnTheField:
    def test_the_review_page_and_the_feed_link_to_the_thread_beside_its_field(
        self, client, filing, team, summary_thread
    ):
        target = f"{_wizard(filing, 'detail')}#thread-{summary_thread.pk}"
        client.force_login(team.editor)
        review = _get(client, reverse("reviews:review", args=[filing.workspace.slug, filing.pk]))
        assert f'href="{target}"' in review
        feed = _get(client, reverse("reviews:activity", args=[filing.workspace.slug]))
        assert f'href="{target}"' in feed

    def test_a_resolved_thread_links_to_the_review_page(self, client, filing, team, summary_thread):
        services.thread_resolve(thread=summary_thread, by=team.editor)
        client.force_login(team.editor)
        review_url = reverse("reviews:review", args=[filing.workspace.slug, filing.pk])
        body = _get(client, review_url)
        assert f'href="{review_url}#thread-{summary_thread.pk}"' in body

    def test_the_comment_email_links_to_the_thread_beside_its_field(
        self, filing, team, settings, django_capture_on_commit_callbacks
    ):
        settings.LANGUAGE_CODE = "en"
        services.review_request_create(filing=filing, by=team.editor, reviewers=[team.reviewer])
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            thread = services.thread_create(
                filing=filing, by=team.reviewer, anchor=SUMMARY, body="简介太短。"
            )
        assert [m.to for m in mail.outbox] == [[team.editor.email]]
        assert f"{_wizard(filing, 'detail')}#thread-{thread.pk}" in mail.outbox[0].body


def _post(client, name: str, thread, data: dict):
    return client.post(
        reverse(name, args=[thread.workspace.slug, thread.pk]), data, HTTP_ACCEPT_LANGUAGE="en"
    )


class TestReplyAndResolve:
    def test_resolve_with_a_typed_reply_posts_the_reply_first(
        self, client, filing, team, summary_thread
    ):
        client.force_login(team.editor)
        wizard = _wizard(filing, "detail")
        response = _post(
            client, "reviews:thread-resolve", summary_thread, {"body": "已补充。", "next": wizard}
        )
        assert response.status_code == 302
        assert response["Location"] == f"{wizard}#thread-{summary_thread.pk}"
        summary_thread.refresh_from_db()
        assert summary_thread.is_resolved and summary_thread.resolved_by == team.editor
        assert [c.body for c in summary_thread.comments.order_by("pk")] == [
            "简介太短，请补充。",
            "已补充。",
        ]
        verbs = list(
            Activity.objects.filter(data__thread=summary_thread.pk)
            .order_by("pk")
            .values_list("verb", flat=True)
        )
        assert verbs == ["commented", "commented", "resolved"]
        # The editor is back in the wizard: the thread is gone from beside the field.
        block = _field_block(_get(client, wizard), "summary")
        assert f"thread-{summary_thread.pk}" not in block

    def test_reply_does_not_resolve(self, client, filing, team, summary_thread):
        client.force_login(team.reviewer)
        _post(client, "reviews:thread-reply", summary_thread, {"body": "还需要数据来源。"})
        summary_thread.refresh_from_db()
        assert not summary_thread.is_resolved
        assert summary_thread.comments.count() == 2

    def test_resolve_without_a_reply_only_resolves(self, client, filing, team, summary_thread):
        client.force_login(team.editor)
        _post(client, "reviews:thread-resolve", summary_thread, {"body": "   "})
        summary_thread.refresh_from_db()
        assert summary_thread.is_resolved and summary_thread.comments.count() == 1

    def test_an_empty_reply_is_refused_and_said(self, client, filing, team, summary_thread):
        client.force_login(team.editor)
        response = _post(client, "reviews:thread-reply", summary_thread, {"body": "  "})
        assert response.status_code == 302
        assert summary_thread.comments.count() == 1
        page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "This field is required." in page

    def test_a_reply_too_long_is_refused_and_the_thread_stays_open(
        self, client, filing, team, summary_thread
    ):
        client.force_login(team.editor)
        _post(client, "reviews:thread-resolve", summary_thread, {"body": "长" * 5001})
        summary_thread.refresh_from_db()
        assert not summary_thread.is_resolved and summary_thread.comments.count() == 1

    def test_resolving_a_resolved_thread_still_keeps_the_reply(
        self, client, filing, team, summary_thread
    ):
        services.thread_resolve(thread=summary_thread, by=team.owner)
        client.force_login(team.editor)
        _post(client, "reviews:thread-resolve", summary_thread, {"body": "晚到的回复"})
        summary_thread.refresh_from_db()
        assert summary_thread.resolved_by == team.owner
        assert summary_thread.comments.last().body == "晚到的回复"
        assert Activity.objects.filter(verb=Activity.Verb.RESOLVED).count() == 1

    @pytest.mark.parametrize("name", ["reviews:thread-reply", "reviews:thread-resolve"])
    def test_another_workspaces_thread_is_a_404(
        self, client, filing, team, other_workspace_filing, name
    ):
        thread = CommentThread.objects.create(
            workspace=other_workspace_filing.workspace, filing=other_workspace_filing, anchor=""
        )
        client.force_login(team.owner)
        # Through this workspace's URL and through the other's: 404 both ways.
        url = reverse(name, args=[filing.workspace.slug, thread.pk])
        assert client.post(url, {"body": "x"}).status_code == 404
        assert _post(client, name, thread, {"body": "x"}).status_code == 404
        thread.refresh_from_db()
        assert not thread.is_resolved and not Comment.objects.filter(thread=thread).exists()

    def test_a_viewer_may_neither_reply_nor_resolve(self, client, filing, team, summary_thread):
        client.force_login(team.viewer)
        for name in ("reviews:thread-reply", "reviews:thread-resolve"):
            assert _post(client, name, summary_thread, {"body": "x"}).status_code == 403
        summary_thread.refresh_from_db()
        assert not summary_thread.is_resolved and summary_thread.comments.count() == 1

    @pytest.mark.parametrize(
        "target", ["https://evil.example/", "//evil.example/w/x/", "/w/other/"]
    )
    def test_next_outside_the_workspace_falls_back_to_the_review_page(
        self, client, filing, team, summary_thread, target
    ):
        client.force_login(team.editor)
        response = _post(
            client, "reviews:thread-reply", summary_thread, {"body": "好", "next": target}
        )
        review = reverse("reviews:review", args=[filing.workspace.slug, filing.pk])
        assert response["Location"] == f"{review}#thread-{summary_thread.pk}"


class TestChangesSinceChangesRequested:
    def test_the_second_round_shows_what_changed_since(
        self, client, filing, team, algorithm, django_capture_on_commit_callbacks
    ):
        request = services.review_request_create(
            filing=filing, by=team.editor, reviewers=[team.reviewer]
        )
        client.force_login(team.reviewer)
        url = reverse("reviews:review", args=[filing.workspace.slug, filing.pk])
        assert 'id="changes-since"' not in _get(client, url)  # first round: nothing to compare
        services.decision_record(
            review_request=request,
            by=team.reviewer,
            verdict=Decision.Verdict.REQUEST_CHANGES,
            note="简介太短。",
            seen_digest=versions.digest(versions.content(algorithm)),
        )
        with django_capture_on_commit_callbacks(execute=True):
            algorithm.summary = "根据用户兴趣与时效推荐新闻，并说明数据来源。"
            algorithm.save()
        services.review_request_create(filing=filing, by=team.editor, reviewers=[team.reviewer])
        body = _get(client, url)
        section = body[body.index('id="changes-since"') :].split("</section>")[0]
        assert "Summary" in section and "数据来源" in section
        assert f'data-pointer="/snapshot{SUMMARY}"' in section or SUMMARY in section
        assert "Usage scenario" not in section  # only what changed
