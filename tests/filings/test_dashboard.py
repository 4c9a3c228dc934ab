import datetime as dt

import pytest
from django.urls import reverse

from demo.workspace import load_demo
from filings import deadlines, obligations
from filings.choices import FilingKind, FilingStatus
from filings.figures import refresh
from filings.interchange import algorithm_snapshot, export_workspace
from filings.models import Algorithm, Filing, Service
from filings.selectors import algorithm_rows
from tests.factories import (
    AlgorithmFactory,
    DeploymentFactory,
    FilingFactory,
    ProviderFactory,
    ServiceFactory,
)

pytestmark = pytest.mark.django_db


def _rows(workspace, today):
    """Each algorithm's row as the dashboard shows it, its figures computed now."""
    return {row.name: vars(row) for row in algorithm_rows(workspace, today=today)}


def _store(workspace):
    """Store the figures, as the commit of each change does (filings.figures)."""
    refresh(Algorithm.objects.filter(workspace=workspace))


class TestDeadlines:
    def test_an_online_algorithm_without_a_filing_is_due_10_working_days_after_launch(
        self, workspace
    ):
        AlgorithmFactory(
            provider=ProviderFactory(workspace=workspace),
            name="国庆上线算法",
            launch_status="online",
            launch_date=dt.date(2026, 9, 24),
        )
        row = _rows(workspace, dt.date(2026, 10, 12))["国庆上线算法"]
        assert row["deadline"].due == dt.date(2026, 10, 15)  # across the National Day holiday
        assert row["urgency"] == "due_soon"
        assert _rows(workspace, dt.date(2026, 10, 16))["国庆上线算法"]["urgency"] == "overdue"
        assert _rows(workspace, dt.date(2026, 9, 30))["国庆上线算法"]["urgency"] == "ok"

    def test_not_launched_means_no_deadline_yet(self, workspace):
        AlgorithmFactory(
            provider=ProviderFactory(workspace=workspace),
            name="未上线算法",
            launch_status="not_online",
        )
        assert _rows(workspace, dt.date(2026, 11, 1))["未上线算法"]["deadline"] is None

    def test_a_change_counts_from_the_change_and_a_cancellation_20_days_from_the_end(
        self, workspace
    ):
        provider = ProviderFactory(workspace=workspace)
        changed = AlgorithmFactory(provider=provider, name="变更算法")
        FilingFactory(
            algorithm=changed,
            kind=FilingKind.INITIAL,
            status=FilingStatus.FILED,
            filing_number="网信算备110108823483901230031号",
        )
        FilingFactory(algorithm=changed, kind=FilingKind.CHANGE, event_on=dt.date(2026, 9, 30))
        ended = AlgorithmFactory(provider=provider, name="注销算法")
        FilingFactory(algorithm=ended, kind=FilingKind.CANCELLATION, event_on=dt.date(2026, 9, 24))
        rows = _rows(workspace, dt.date(2026, 9, 1))
        assert rows["变更算法"]["deadline"].due == dt.date(2026, 10, 20)
        assert rows["注销算法"]["deadline"].due == dt.date(2026, 10, 29)

    def test_into_2027_the_deadline_is_marked_estimated(self, workspace):
        AlgorithmFactory(
            provider=ProviderFactory(workspace=workspace),
            name="年底上线算法",
            launch_status="online",
            launch_date=dt.date(2026, 12, 28),
        )
        deadline = _rows(workspace, dt.date(2026, 12, 28))["年底上线算法"]["deadline"].deadline
        assert (
            deadline.due == dt.date(2027, 1, 11)
            and deadline.estimated
            and "2027" in deadline.warning
        )

    def test_a_submitted_filing_waits_for_the_cac(self, workspace):
        algorithm = AlgorithmFactory(
            provider=ProviderFactory(workspace=workspace), name="已提交算法"
        )
        FilingFactory(
            algorithm=algorithm, status=FilingStatus.SUBMITTED, submitted_on=dt.date(2026, 9, 15)
        )
        row = _rows(workspace, dt.date(2026, 9, 16))["已提交算法"]
        assert row["deadline"].due == dt.date(2026, 11, 2)

    def test_a_filed_algorithm_has_nothing_due(self):
        load_demo()
        feed = Algorithm.objects.get(name="示例新闻个性化推荐算法")
        assert (
            deadlines.next_deadline(algorithm_snapshot(feed)["providers"][0]["algorithms"][0])
            is None
        )


class TestPage:
    def test_overdue_rows_stand_out(self, client, owner, workspace):
        AlgorithmFactory(
            provider=ProviderFactory(workspace=workspace),
            name="逾期算法",
            launch_status="online",
            launch_date=dt.date(2024, 1, 2),
        )
        _store(workspace)
        client.force_login(owner)
        body = client.get(
            reverse("filings:dashboard", args=[workspace.slug]), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
        assert 'id="attention"' in body and 'data-urgency="overdue"' in body

    def test_completeness_grows_as_fields_are_filled(self, workspace):
        algorithm = DeploymentFactory(
            algorithm=AlgorithmFactory(provider=ProviderFactory(workspace=workspace))
        ).algorithm
        before = _rows(workspace, dt.date(2026, 11, 1))[algorithm.name]["completeness"]
        algorithm.summary = "根据用户的浏览行为推荐资讯。"
        algorithm.save()
        after = _rows(workspace, dt.date(2026, 11, 1))[algorithm.name]["completeness"]
        assert 0 < before < after < 100

    def test_the_demo_feed_is_complete(self):
        ws = load_demo()
        assert _rows(ws, dt.date(2026, 11, 1))["示例新闻个性化推荐算法"]["completeness"] == 100

    def test_an_unanswered_screening_question_keeps_it_under_100(self):
        ws = load_demo()
        feed = Algorithm.objects.get(workspace=ws, name="示例新闻个性化推荐算法")
        Service.objects.filter(deployments__algorithm=feed).update(serves_minors=None)
        assert _rows(ws, dt.date(2026, 11, 1))[feed.name]["completeness"] < 100

    def test_filter_by_role_and_status_and_sort(self, client):
        ws = load_demo()
        _store(ws)
        client.force_login(ws.memberships.get(role="owner").user)
        url = reverse("filings:dashboard", args=["demo"])
        body = client.get(url, {"role": "technical_supporter"}).content.decode()
        assert "示例大模型开放平台算法" in body and "示例新闻搜索算法" not in body
        body = client.get(url, {"status": "filed"}).content.decode()
        assert "示例新闻个性化推荐算法" in body and "示例出行智能派单算法" not in body
        # The filed feed and the search in review are both complete (the latter so it can be approved).
        complete = {"示例新闻个性化推荐算法", "示例新闻搜索算法"}
        response = client.get(url, {"sort": "-completeness"})
        names = [row.name for row in response.context["rows"]]
        assert set(names[:2]) == complete and not complete & set(names[2:])
        response = client.get(url, {"sort": "completeness"})
        assert set([row.name for row in response.context["rows"]][-2:]) == complete

    def test_bad_filter_values_are_ignored(self, client):
        ws = load_demo()
        client.force_login(ws.memberships.get(role="owner").user)
        response = client.get(
            reverse("filings:dashboard", args=["demo"]),
            {"type": "x", "sort": "evil", "status": "?"},
        )
        assert response.status_code == 200 and len(response.context["rows"]) == 5
        body = response.content.decode()
        assert 'id="filter-errors"' in body
        assert {"type", "sort", "status"} == set(response.context["form"].errors)


class TestObligations:
    def test_the_obligations_follow_the_answers(self):
        load_demo()
        codes = {
            a.name: {o.code for o in obligations.applicable(algorithm_snapshot(a))}
            for a in Algorithm.objects.all()
        }
        assert codes["示例新闻个性化推荐算法"] == {
            "algorithm_filing",
            "display_filing_number",
            "security_assessment",
        }
        assert {
            "deep_synthesis_labelling",
            "gai_security_assessment",
            "large_model_registration",
        } <= codes["示例AI助手生成合成算法"]
        assert "large_model_filing" not in codes["示例AI助手生成合成算法"]
        assert (
            "algorithm_filing" in codes["示例大模型开放平台算法"]
        )  # DS-2022 Art 19: supporters file likewise
        assert "security_assessment" not in codes["示例大模型开放平台算法"]

    def test_a_service_without_public_opinion_attributes_needs_no_filing(self, workspace):
        service = ServiceFactory(
            provider=ProviderFactory(workspace=workspace),
            public_opinion_attributes=False,
            social_mobilization=False,
            opinion_features=[],
        )
        algorithm = DeploymentFactory(
            algorithm=AlgorithmFactory(provider=service.provider), service=service
        ).algorithm
        assert obligations.applicable(algorithm_snapshot(algorithm)) == []
        service.opinion_features = ["comments"]
        service.save()
        assert "algorithm_filing" in {
            o.code for o in obligations.applicable(algorithm_snapshot(algorithm))
        }

    def test_every_obligation_cites_an_article_and_explains_in_both_languages(self):
        for o in obligations.load():
            assert o.basis and all("article" in b for b in o.basis)
            assert o.title["zh"] and o.title["en"] and o.explanation["zh"] and o.explanation["en"]

    def test_the_algorithm_page_lists_them_with_the_deadline(self, client, owner, workspace):
        service = ServiceFactory(
            provider=ProviderFactory(workspace=workspace), opinion_features=["live_streaming"]
        )
        algorithm = DeploymentFactory(
            algorithm=AlgorithmFactory(
                provider=service.provider, launch_status="online", launch_date=dt.date(2024, 1, 2)
            ),
            service=service,
        ).algorithm
        client.force_login(owner)
        body = client.get(
            reverse("filings:algorithm", args=[workspace.slug, algorithm.pk]),
            HTTP_ACCEPT_LANGUAGE="en",
        ).content.decode()
        assert 'data-obligation="algorithm_filing"' in body
        assert "《互联网信息服务算法推荐管理规定》第二十四条" in body  # as the PDF cites it
        assert 'id="next-deadline"' in body and 'data-urgency="overdue"' in body


def test_the_event_date_round_trips_under_x(workspace):
    algorithm = AlgorithmFactory(provider=ProviderFactory(workspace=workspace))
    Filing.objects.create(
        workspace=workspace, algorithm=algorithm, kind="change", event_on=dt.date(2026, 9, 30)
    )
    document = export_workspace(workspace)
    assert document["providers"][0]["algorithms"][0]["filings"][0]["x"] == {
        "event_on": "2026-09-30"
    }
