"""What the walks of issue 10 found in the pages: checks that link to their field,
labels with one meaning each, legal bases as the PDF cites them, one date format,
no doubled or mixed-language labels, a dashboard that explains how to start."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import translation

from assessments.models import Assessment
from filings.choices import FilingStatus
from tests.factories import AlgorithmFactory, FilingFactory, ProviderFactory
from workspaces.models import Role

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
POINTER = re.compile(r"/providers/\d+/")


@pytest.fixture
def algorithm(workspace):
    algorithm = AlgorithmFactory(provider=ProviderFactory(workspace=workspace), name="测试推荐算法")
    FilingFactory(algorithm=algorithm)
    return algorithm


def review_rows(client, algorithm, **headers) -> list[tuple[str, str, str]]:
    """(check code, link, visible text) of each row of the 检查 step."""
    url = reverse("filings:wizard", args=[algorithm.workspace.slug, algorithm.pk, "review"])
    response = client.get(url, **headers)
    assert response.status_code == 200
    body = response.content.decode()
    return body, re.findall(
        r'<a class="list-group-item[^"]*" href="([^"]+)" data-check="([^"]+)"[^>]*>(.*?)</a>',
        body,
        re.S,
    )


class TestCheckLinks:
    def test_the_missing_assessment_links_to_the_assessment_page(self, client, owner, algorithm):
        client.force_login(owner)
        body, rows = review_rows(client, algorithm, **EN)
        links = {code: href for href, code, _text in rows}
        assert links["assessment_missing"] == reverse(
            "assessments:page", args=[algorithm.workspace.slug, algorithm.pk]
        )

    def test_a_missing_conclusion_links_to_the_conclusion_field(self, client, owner, algorithm):
        assessment = Assessment.objects.create(workspace=algorithm.workspace, algorithm=algorithm)
        client.force_login(owner)
        body, rows = review_rows(client, algorithm, **EN)
        links = {code: href for href, code, _text in rows}
        page = reverse("assessments:page", args=[algorithm.workspace.slug, algorithm.pk])
        assert links["assessment_conclusion_missing"].startswith(page + "#")
        target = links["assessment_conclusion_missing"].split("#")[1]
        # The anchor is an element of the assessment page.
        assessment_page = client.get(page, **EN).content.decode()
        assert f'id="{target}"' in assessment_page
        assert assessment.pk

    def test_a_field_check_links_to_its_wizard_field_and_says_where_in_words(
        self, client, owner, algorithm
    ):
        algorithm.provider.uscc = ""
        algorithm.provider.save()
        client.force_login(owner)
        body, rows = review_rows(client, algorithm, **EN)
        uscc = [(href, text) for href, code, text in rows if "-uscc" in href]
        assert uscc, rows
        href, text = uscc[0]
        assert (
            href
            == reverse("filings:wizard", args=[algorithm.workspace.slug, algorithm.pk, "entity"])
            + f"#id_provider-{algorithm.provider.pk}-uscc"
        )
        assert "Entity information · Unified social credit code" in text
        _body, zh_rows = review_rows(client, algorithm, **ZH)
        assert any("主体信息 · 统一社会信用代码" in text for _h, _c, text in zh_rows)

    @pytest.mark.parametrize("headers", [EN, ZH])
    def test_no_raw_json_pointer_is_shown(self, client, owner, algorithm, headers):
        client.force_login(owner)
        body, rows = review_rows(client, algorithm, **headers)
        assert rows
        visible = re.sub(r"<[^>]+>", " ", body)
        assert not POINTER.search(visible)


class TestLabels:
    @pytest.mark.parametrize(
        ("model", "field", "chinese"),
        [
            ("filings.Provider", "officer_position", "职务"),
            ("filings.ManagementSystem", "position", "排序"),
            ("filings.ManagementSystem", "summary", "主要内容"),
            ("filings.Algorithm", "summary", "算法简介"),
            ("filings.Disclosure", "purpose", "算法目的意图"),
            ("registry.RegistryRecord", "purpose", "主要用途"),
            ("workspaces.Membership", "role", "角色"),
        ],
    )
    def test_a_msgid_with_two_meanings_reads_right_in_each(self, model, field, chinese):
        from django.apps import apps

        label = apps.get_model(model)._meta.get_field(field).verbose_name
        with translation.override("zh-hans"):
            assert str(label) == chinese

    def test_the_management_system_summary_is_not_the_algorithm_summary(
        self, client, owner, algorithm
    ):
        from filings.models import ManagementSystem

        ManagementSystem.objects.create(
            workspace=algorithm.workspace, provider=algorithm.provider, kind="other"
        )
        client.force_login(owner)
        url = reverse("filings:wizard", args=[algorithm.workspace.slug, algorithm.pk, "entity"])
        body = client.get(url, **ZH).content.decode()
        assert "主要内容" in body and "算法简介" not in body
        assert "下一步" in body  # the wizard's Next is a step, not a page

    def test_the_dashboards_role_is_the_filing_role(self, client, owner, algorithm):
        client.force_login(owner)
        body = client.get(reverse("filings:dashboard", args=[algorithm.workspace.slug]), **ZH)
        assert "填报角色" in body.content.decode()


class TestLegalBases:
    def test_obligations_cite_as_the_pdf_does(self, client, owner, algorithm):
        from assessments.citations import regulation_titles
        from filings.citations import cite
        from tests.factories import DeploymentFactory, ServiceFactory

        service = ServiceFactory(provider=algorithm.provider, opinion_features=["live_streaming"])
        DeploymentFactory(algorithm=algorithm, service=service)
        client.force_login(owner)
        body = client.get(
            reverse("filings:algorithm", args=[algorithm.workspace.slug, algorithm.pk]), **EN
        ).content.decode()
        assert 'data-obligation="algorithm_filing"' in body
        expected = cite({"regulation": "ARS-2021", "article": 24}, regulation_titles())
        assert expected == "《互联网信息服务算法推荐管理规定》第二十四条"
        assert expected in body
        assert "ARS-2021" not in body

    def test_a_clause_of_a_standard(self):
        from assessments.citations import citations

        assert citations({"regulation": "TC260-003", "clause": "5.1"}) == [
            "《生成式人工智能服务安全基本要求（TC260-003-2024）》第5.1条"
        ]
        assert citations(None) == []


class TestWordsAndDates:
    def test_one_date_format_in_both_languages(self, client, owner, algorithm):
        algorithm.launch_status = "online"
        algorithm.launch_date = dt.date(2024, 3, 1)
        algorithm.save()
        client.force_login(owner)
        url = reverse("filings:algorithm", args=[algorithm.workspace.slug, algorithm.pk])
        for headers in (EN, ZH):
            body = client.get(url, **headers).content.decode()
            assert "2024-03-01" in body
            assert "March 1, 2024" not in body and "2024年3月1日" not in body

    def test_the_assessment_counts_are_not_doubled(self, client, owner, algorithm):
        client.force_login(owner)
        url = reverse("assessments:page", args=[algorithm.workspace.slug, algorithm.pk])
        zh = client.get(url, **ZH).content.decode()
        assert "符合 · 符合" not in zh and "符合:" in zh.replace("：", ":")
        en = client.get(url, **EN).content.decode()
        assert "Compliant:" in en and "符合 ·" not in en
        assert "Needed for 不适用" not in en

    def test_the_assessment_header_shows_choices_in_the_readers_language(
        self, client, owner, algorithm
    ):
        algorithm.launch_status = "online"
        algorithm.save()
        client.force_login(owner)
        url = reverse("assessments:page", args=[algorithm.workspace.slug, algorithm.pk])
        en = client.get(url, **EN).content.decode()
        header = en.split('id="from-filing"')[1].split("</section>")[0]
        assert "Online" in header and "已上线" not in header and "个性化推送类" not in header
        zh = client.get(url, **ZH).content.decode()
        assert "已上线" in zh.split('id="from-filing"')[1].split("</section>")[0]

    def test_evidence_kinds_and_service_modes_read_as_words_not_codes(
        self, client, owner, algorithm
    ):
        from django.core.management import call_command

        call_command("load_catalogue", verbosity=0)
        client.force_login(owner)
        url = reverse("assessments:page", args=[algorithm.workspace.slug, algorithm.pk])
        en = client.get(url, **EN).content.decode()
        assert "Evidence:" in en and "Policy or procedure document" in en
        assert "policy_document" not in en
        zh = client.get(url, **ZH).content.decode()
        assert "制度文件" in zh and "policy_document" not in zh

        algorithm.role = "technical_supporter"
        algorithm.technical_service_modes = ["api", "private_deployment"]
        algorithm.save()
        page = reverse("filings:algorithm", args=[algorithm.workspace.slug, algorithm.pk])
        assert "Private deployment" in client.get(page, **EN).content.decode()
        assert "private_deployment" not in client.get(page, **ZH).content.decode()

    def test_status_changes_read_in_the_readers_language(self, client, owner, algorithm):
        filing = algorithm.filings.get()
        with translation.override("zh-hans"):
            filing.transition(FilingStatus.IN_REVIEW, role=Role.OWNER, by=owner)
        client.force_login(owner)
        body = client.get(
            reverse("reviews:activity", args=[algorithm.workspace.slug]), **EN
        ).content.decode()
        assert "Draft → In review" in body and "草稿 → 审核中" not in body


class TestDashboard:
    def test_an_empty_workspace_explains_how_to_start(self, client, owner, workspace):
        client.force_login(owner)
        body = client.get(reverse("filings:dashboard", args=[workspace.slug]), **EN)
        text = body.content.decode()
        assert 'id="getting-started"' in text and "+ New algorithm" in text
        assert "match" not in text and 'id="filters"' not in text

    def test_a_viewer_of_an_empty_workspace_is_told_who_starts(
        self, client, workspace, member_factory
    ):
        client.force_login(member_factory(workspace, Role.VIEWER))
        text = client.get(reverse("filings:dashboard", args=[workspace.slug]), **EN)
        assert "An owner or editor of this workspace starts a filing" in text.content.decode()

    def test_a_filter_without_match_says_so(self, client, owner, algorithm):
        client.force_login(owner)
        text = client.get(
            reverse("filings:dashboard", args=[algorithm.workspace.slug]),
            {"type": "dispatch_decision"},
            **EN,
        ).content.decode()
        assert 'id="no-match"' in text and 'id="getting-started"' not in text

    def test_a_deadline_due_today_says_so(self, client, owner, workspace, monkeypatch):
        from filings import views

        AlgorithmFactory(
            provider=ProviderFactory(workspace=workspace),
            name="今天截止算法",
            launch_status="online",
            launch_date=dt.date(2026, 9, 24),
        )
        due = dt.date(2026, 10, 15)  # 10 working days after launch, across National Day
        monkeypatch.setattr(views.timezone, "localdate", lambda *a: due)
        client.force_login(owner)
        url = reverse("filings:dashboard", args=[workspace.slug])
        zh = client.get(url, **ZH).content.decode()
        assert 'data-badge="due-today"' in zh and "今天到期" in zh
        en = client.get(url, **EN).content.decode()
        assert "due today" in en
