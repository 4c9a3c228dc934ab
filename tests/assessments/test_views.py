import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from assessments.catalogue import ensure_loaded
from assessments.models import Answer, Assessment, Risk
from demo.workspace import load_demo
from filings.models import Algorithm, Attachment, PendingInput
from tests.factories import MembershipFactory, WorkspaceFactory
from workspaces.models import Role

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def feed():
    ensure_loaded()
    load_demo()
    return Algorithm.objects.get(name="示例新闻个性化推荐算法")


@pytest.fixture
def partly_assessed_feed(feed):
    """The demo's feed with one item answered (the demo answers them all)."""
    feed.assessment.answers.exclude(item="ARS-17-opt-out").delete()
    return feed


@pytest.fixture
def chat():
    ensure_loaded()
    load_demo()
    return Algorithm.objects.get(name="示例AI助手生成合成算法")


def page_url(algorithm):
    return reverse("assessments:page", args=[algorithm.workspace.slug, algorithm.pk])


def owner_of(algorithm):
    return algorithm.workspace.memberships.get(role=Role.OWNER).user


class TestPage:
    def test_it_lists_only_applicable_items_with_their_basis(self, client, feed):
        client.force_login(owner_of(feed))
        body = client.get(page_url(feed), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert 'data-item="ARS-17-opt-out"' in body and 'data-status="compliant"' in body
        assert "《互联网信息服务算法推荐管理规定》第十七条" in body  # as the PDF cites it
        assert "ARS-2021 Art" not in body
        assert 'id="metrics"' not in body  # no TC260 quantities for a recommendation feed

    def test_an_editor_visit_creates_nothing_and_offers_a_form_per_item(
        self, client, partly_assessed_feed
    ):
        feed = partly_assessed_feed
        client.force_login(owner_of(feed))
        before = Answer.objects.filter(assessment__algorithm=feed).count()
        response = client.get(page_url(feed))
        assert Answer.objects.filter(assessment__algorithm=feed).count() == before == 1
        body = response.content.decode()
        summary = response.context["summary"]
        # One form per applicable item: the answered one saves by its pk, the
        # others create their answer on the first save.
        new_answer = reverse("filings:panel-save-new", args=["demo", feed.pk, "answer", "X"])
        assert body.count(f'hx-post="{new_answer[:-2]}') == summary.applicable - 1

    def test_a_viewer_reads_without_creating_anything(self, client, chat, member_factory):
        client.force_login(member_factory(chat.workspace, Role.VIEWER))
        response = client.get(page_url(chat))
        assert response.status_code == 200
        assert not Assessment.objects.filter(algorithm=chat).exists()
        assert "hx-post" not in response.content.decode()

    def test_scoping_and_login(self, client, feed):
        assert client.get(page_url(feed)).status_code == 302
        client.force_login(MembershipFactory(workspace=WorkspaceFactory()).user)
        assert client.get(page_url(feed)).status_code == 404
        assert client.post(reverse("assessments:risks", args=["demo", feed.pk])).status_code == 404

    @pytest.mark.parametrize("role", [Role.VIEWER, Role.REVIEWER])
    def test_read_only_roles_may_not_save(self, client, feed, member_factory, role):
        client.force_login(member_factory(feed.workspace, role))
        assert (
            client.post(
                reverse("assessments:risks", args=["demo", feed.pk]),
                {f"assessment-risks-{feed.pk}-abuse": "x"},
            ).status_code
            == 403
        )
        assert (
            client.post(reverse("assessments:metrics", args=["demo", feed.pk]), {}).status_code
            == 403
        )


class TestAnswering:
    def test_an_answer_autosaves_and_the_summary_follows(self, client, partly_assessed_feed):
        feed = partly_assessed_feed
        client.force_login(owner_of(feed))
        client.get(page_url(feed))
        assert not Answer.objects.filter(
            assessment__algorithm=feed, item="ARS-7-management-systems"
        ).exists()
        # The first save of an unanswered item creates its answer; the page keeps
        # its form prefix, so later saves go the same way and find it.
        url = reverse(
            "filings:panel-save-new", args=["demo", feed.pk, "answer", "ARS-7-management-systems"]
        )
        prefix = "answer-new-ARS-7-management-systems"
        for measures in ("已建立", "已建立制度汇编。"):
            response = client.post(
                url,
                {
                    f"{prefix}-status": "partial",
                    f"{prefix}-measures": measures,
                    f"{prefix}-justification": "",
                },
                HTTP_HX_REQUEST="true",
            )
            assert response.status_code == 200
            assert f'id="status-{prefix}"' in response.content.decode()
        answer = Answer.objects.get(assessment__algorithm=feed, item="ARS-7-management-systems")
        assert (answer.status, answer.measures) == ("partial", "已建立制度汇编。")
        context = client.get(page_url(feed), HTTP_ACCEPT_LANGUAGE="en").context
        assert context["summary"].counts["partial"] == 1
        assert [row.item_id for row in context["summary"].missing_justification] == [
            "ARS-7-management-systems"
        ]
        assert [row.item_id for row in context["summary"].gaps] == ["ARS-7-management-systems"]
        assert "部分符合1项" in context["suggested"]

    def test_an_unknown_status_is_refused_next_to_the_field(self, client, feed):
        client.force_login(owner_of(feed))
        client.get(page_url(feed))
        answer = Answer.objects.get(assessment__algorithm=feed, item="ARS-17-opt-out")
        prefix = f"answer-{answer.pk}"
        client.post(
            reverse("filings:panel-save", args=["demo", "answer", answer.pk]),
            {f"{prefix}-status": "maybe", f"{prefix}-measures": answer.measures},
        )
        answer.refresh_from_db()
        assert answer.status == "compliant" and answer.measures.startswith("“我的")
        body = client.get(page_url(feed), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Select a valid choice" in body

    def test_answers_to_items_that_stop_applying_are_kept_as_inactive(self, client, feed):
        client.force_login(owner_of(feed))
        client.get(page_url(feed))
        feed.type = "dispatch_decision"
        feed.save()
        context = client.get(page_url(feed)).context
        assert "ARS-17-opt-out" in [row.item_id for row in context["inactive"]]
        assert Answer.objects.filter(
            assessment__algorithm=feed, item="ARS-17-opt-out", status="compliant"
        ).exists()
        feed.type = "personalized_push"
        feed.save()
        context = client.get(page_url(feed)).context
        assert "ARS-17-opt-out" not in [row.item_id for row in context["inactive"]]

    def test_evidence_is_attached_to_its_item(self, client, feed):
        client.force_login(owner_of(feed))
        response = client.post(
            reverse("filings:algorithm-upload", args=["demo", feed.pk]),
            {"slot": "screenshot", "assessment_item": "ARS-17-opt-out", "next": page_url(feed),
             "file": SimpleUploadedFile("开关.pdf", PDF)},
        )  # fmt: skip
        assert response["Location"] == page_url(feed)
        # The demo's feed holds its materials already: the upload is the latest file.
        assert Attachment.objects.filter(algorithm=feed).latest("pk").assessment_item == (
            "ARS-17-opt-out"
        )
        body = client.get(page_url(feed)).content.decode()
        assert "开关.pdf" in body

    def test_an_unsafe_next_is_ignored(self, client, feed):
        client.force_login(owner_of(feed))
        response = client.post(
            reverse("filings:algorithm-upload", args=["demo", feed.pk]),
            {
                "slot": "screenshot",
                "next": "https://evil.example/",
                "file": SimpleUploadedFile("a.pdf", PDF),
            },
        )
        assert response["Location"] == reverse("filings:algorithm", args=["demo", feed.pk])


class TestMetricsAndRisks:
    def metrics_url(self, algorithm):
        return reverse("assessments:metrics", args=["demo", algorithm.pk])

    def risks_url(self, algorithm):
        return reverse("assessments:risks", args=["demo", algorithm.pk])

    def metric(self, algorithm, name):
        return f"assessment-metrics-{algorithm.pk}-{name}"

    def risk(self, algorithm, kind):
        return f"assessment-risks-{algorithm.pk}-{kind}"

    def test_quantities_are_checked_against_the_thresholds(self, client, chat):
        client.force_login(owner_of(chat))
        body = client.get(page_url(chat)).content.decode()
        assert 'id="metrics"' in body
        client.post(
            self.metrics_url(chat),
            {
                self.metric(chat, "corpus_manual_sample"): "3999",
                self.metric(chat, "corpus_manual_pass_rate"): "96",
            },
        )
        assessment = Assessment.objects.get(algorithm=chat)
        assert assessment.metrics == {"corpus_manual_sample": 3999, "corpus_manual_pass_rate": 96}
        body = client.get(page_url(chat)).content.decode()
        assert 'data-metric="corpus_manual_sample" data-passes="no"' in body
        assert 'data-metric="corpus_manual_pass_rate" data-passes="yes"' in body

    @pytest.mark.parametrize(
        ("field", "value"),
        [("corpus_manual_pass_rate", "101"), ("keyword_count", "-1"), ("keyword_count", "many")],
    )
    def test_bad_quantities_are_kept_with_their_message_and_not_stored(
        self, client, chat, field, value
    ):
        client.force_login(owner_of(chat))
        response = client.post(
            self.metrics_url(chat),
            {self.metric(chat, field): value, self.metric(chat, "generated_test_bank"): "2500"},
            HTTP_HX_REQUEST="true",
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.status_code == 200 and response["HX-Trigger"] == "suanbei:saved"
        body = response.content.decode()
        assert f'id="fb-id_{self.metric(chat, field)}"' in body and "data-error" in body
        assessment = Assessment.objects.get(algorithm=chat)
        assert field not in assessment.metrics and assessment.metrics["generated_test_bank"] == 2500
        # Nothing typed is lost: the refused value comes back on reload, with its
        # message in the reader's language.
        body = client.get(page_url(chat), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert f'value="{value}"' in body
        section = body[body.index(f'id="fb-id_{self.metric(chat, field)}"') :][:400]
        assert "data-error" in section and any("\u4e00" <= c <= "\u9fff" for c in section)
        # Corrected: stored, and the pending input is gone.
        client.post(
            self.metrics_url(chat),
            {self.metric(chat, field): "50", self.metric(chat, "generated_test_bank"): "2500"},
            HTTP_HX_REQUEST="true",
        )
        assessment.refresh_from_db()
        assert assessment.metrics[field] == 50
        assert not PendingInput.objects.filter(target="assessment-metrics").exists()

    def test_the_autosave_answers_with_the_threshold_marks(self, client, chat):
        client.force_login(owner_of(chat))
        response = client.post(
            self.metrics_url(chat),
            {self.metric(chat, "corpus_manual_pass_rate"): "96"},
            HTTP_HX_REQUEST="true",
        )
        body = response.content.decode()
        assert f'id="pass-id_{self.metric(chat, "corpus_manual_pass_rate")}"' in body
        assert 'data-passes="yes"' in body and 'id="base-assessment-metrics-' in body

    def test_risks_are_created_updated_and_removed(self, client, feed):
        client.force_login(owner_of(feed))
        url = self.risks_url(feed)
        client.post(
            url,
            {
                self.risk(feed, "abuse"): "推荐结果过度集中。",
                self.risk(feed, "data_leak"): "行为日志泄露。",
            },
        )
        assert dict(
            Risk.objects.filter(assessment__algorithm=feed).values_list("kind", "description")
        ) == {
            "abuse": "推荐结果过度集中。",
            "data_leak": "行为日志泄露。",
        }
        # Emptied in the form (a browser posts every box); a box not posted is left alone.
        client.post(
            url,
            {
                self.risk(feed, "abuse"): "推荐结果过度集中，形成信息茧房。",
                self.risk(feed, "data_leak"): "",
            },
        )
        assert list(
            Risk.objects.filter(assessment__algorithm=feed).values_list("kind", flat=True)
        ) == ["abuse"]

    def test_risks_autosave_and_a_stale_form_never_overwrites(self, client, feed, member_factory):
        client.force_login(owner_of(feed))
        body = client.get(page_url(feed)).content.decode()
        marker = f'id="base-assessment-risks-{feed.pk}" value="'
        base = html.unescape(body[body.index(marker) + len(marker) :].split('"', 1)[0])
        url = self.risks_url(feed)
        response = client.post(
            url,
            {"_base": base, self.risk(feed, "abuse"): "第一版。"},
            HTTP_HX_REQUEST="true",
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.status_code == 200 and "Saved at" in response.content.decode()
        assert Risk.objects.get(assessment__algorithm=feed, kind="abuse").description == "第一版。"
        # Someone else, from the same loaded page, writes another text: refused, both shown.
        other = Client()
        other.force_login(member_factory(feed.workspace, Role.EDITOR))
        response = other.post(
            url,
            {"_base": base, self.risk(feed, "abuse"): "别人的版本。"},
            HTTP_HX_REQUEST="true",
            HTTP_ACCEPT_LANGUAGE="en",
        )
        body = response.content.decode()
        assert "sb-conflict" in body and "第一版。" in body and "别人的版本。" in body
        assert Risk.objects.get(assessment__algorithm=feed, kind="abuse").description == "第一版。"
        # Without JS the conflict is a page of its own, and still nothing is overwritten.
        response = other.post(url, {"_base": base, self.risk(feed, "abuse"): "别人的版本。"})
        assert response.status_code == 409
        assert Risk.objects.get(assessment__algorithm=feed, kind="abuse").description == "第一版。"
        # A field only the other person changed merges by itself.
        response = other.post(
            url,
            {
                "_base": base,
                self.risk(feed, "abuse"): "第一版。",
                self.risk(feed, "other_violation"): "其他。",
            },
            HTTP_HX_REQUEST="true",
        )
        assert "sb-conflict" not in response.content.decode()
        assert (
            Risk.objects.get(assessment__algorithm=feed, kind="other_violation").description
            == "其他。"
        )

    def test_the_summary_fragment_follows_the_answers(self, client, feed):
        client.force_login(owner_of(feed))
        response = client.get(reverse("assessments:summary", args=["demo", feed.pk]))
        body = response.content.decode()
        assert 'id="summary-body" hx-swap-oob="true"' in body and "data-completeness=" in body
        assert 'id="suggested-conclusion"' in body


def test_the_header_is_taken_from_the_filing(client, feed):
    client.force_login(owner_of(feed))
    body = client.get(page_url(feed), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    block = body[body.index('id="from-filing"') :][:4000]
    assert "北京示例智能科技有限公司" in block and "2024-03-01" in block
    # Choices read in the reader's language, like everywhere else on the pages.
    assert "Personalised push" in block and "个性化推送类" not in block
    assert "示例新闻" in block and "3000000" in block
