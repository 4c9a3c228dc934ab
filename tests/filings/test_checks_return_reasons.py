"""Issue 12 §8: the CAC's return reasons as checks. Each check has a passing
and a failing case on the demo's complete algorithm, with its code, severity,
pointer and message."""

import copy
import datetime as dt

import pytest
from django.utils import translation
from stdnum.cn import ric

from demo.workspace import load_demo
from filings import checks
from filings.checks import ERROR, WARNING, run_checks
from filings.choices import AttachmentSlot
from filings.interchange import export_workspace
from filings.models import Algorithm, Disclosure
from filings.selectors import peer_disclosures

pytestmark = pytest.mark.django_db

FEED = "示例新闻个性化推荐算法"
P = "/providers/0"
A = f"{P}/algorithms/0"
TODAY = dt.date(2026, 6, 1)
ATTACHED = {FEED: {AttachmentSlot.FLOWCHART}}


@pytest.fixture
def demo_document():
    return export_workspace(load_demo())


@pytest.fixture
def doc(demo_document):
    document = copy.deepcopy(demo_document)
    provider = document["providers"][0]
    provider["algorithms"] = provider["algorithms"][:1]
    provider["algorithms"][0]["risks_and_safeguards"] = (
        "主要风险为信息茧房、不良信息传播和推荐结果被操纵。防范机制：多样性打散、内容安全审核、"
        "违法不良信息特征库过滤、异常行为识别、未成年人模式和人工复核。"
    )
    return document


def problems(document, code, **kwargs):
    kwargs.setdefault("attachments", ATTACHED)
    kwargs.setdefault("today", TODAY)
    return [p for p in run_checks(document, **kwargs) if p.code == code]


def found(document, code, **kwargs):
    return [(p.code, p.severity, p.pointer) for p in problems(document, code, **kwargs)]


def algorithm(document):
    return document["providers"][0]["algorithms"][0]


def resident_id(prefix17: str) -> str:
    return prefix17 + ric.calc_check_digit(prefix17)


def test_the_codes_are_registered():
    codes = checks.all_codes()
    for code in (
        "disclosure_similar",
        "type_description_mismatch",
        "product_not_online",
        "id_age_implausible",
        "access_url_not_public",
        "application_domain_unknown",
        "summary_too_long",
    ):
        assert codes.count(code) == 1


def test_the_demo_document_has_none_of_these_problems(doc):
    codes = {p.code for p in run_checks(doc, attachments=ATTACHED, today=TODAY)}
    assert not codes & {
        "disclosure_similar",
        "type_description_mismatch",
        "product_not_online",
        "id_age_implausible",
        "access_url_not_public",
        "application_domain_unknown",
        "summary_too_long",
    }


class TestSimilarDisclosures:
    def test_the_demos_algorithms_each_say_their_own(self, demo_document):
        assert found(demo_document, "disclosure_similar") == []

    def test_a_copied_disclosure_in_the_same_workspace_names_the_other_algorithm(
        self, demo_document
    ):
        algorithms = demo_document["providers"][0]["algorithms"]
        first, second = algorithms[0], algorithms[1]
        # Near-same: one character changed and some spacing.
        text = first["disclosure"]["basic_principle"]
        second["disclosure"]["basic_principle"] = " " + text.replace("资讯", "资讯 ", 1)[:-1] + "。"
        got = problems(demo_document, "disclosure_similar")
        pointers = {p.pointer: p for p in got}
        assert set(pointers) == {
            f"{P}/algorithms/0/disclosure/basic_principle",
            f"{P}/algorithms/1/disclosure/basic_principle",
        }
        assert all(p.severity == WARNING for p in got)
        assert second["name"] in pointers[f"{P}/algorithms/0/disclosure/basic_principle"].message
        assert first["name"] in pointers[f"{P}/algorithms/1/disclosure/basic_principle"].message

    def test_a_different_text_is_not_similar(self, doc):
        peers = [
            {
                "name": "另一算法",
                "disclosure": {"basic_principle": "基于倒排索引与语义相关性计算，对查询结果排序。"},
            }
        ]
        assert found(doc, "disclosure_similar", peers=peers) == []

    def test_peers_outside_the_snapshot_are_compared(self, doc):
        own = algorithm(doc)["disclosure"]["operating_mechanism"]
        peers = [{"name": "另一推荐算法", "disclosure": {"operating_mechanism": own}}]
        got = problems(doc, "disclosure_similar", peers=peers)
        assert [(p.pointer, p.severity) for p in got] == [
            (f"{A}/disclosure/operating_mechanism", WARNING)
        ]
        assert "另一推荐算法" in got[0].message

    def test_short_texts_are_not_compared(self, doc):
        algorithm(doc)["disclosure"]["application_scenario"] = "示例新闻首页。"
        peers = [{"name": "另一算法", "disclosure": {"application_scenario": "示例新闻首页。"}}]
        assert found(doc, "disclosure_similar", peers=peers) == []

    def test_the_wizard_passes_the_workspaces_other_disclosures(self):
        workspace = load_demo()
        feed = Algorithm.objects.get(workspace=workspace, name=FEED)
        other = (
            Algorithm.objects.filter(workspace=workspace, disclosure__isnull=False)
            .exclude(pk=feed.pk)
            .first()
        )
        Disclosure.objects.filter(algorithm=other).update(purpose=feed.disclosure.purpose)
        peers = peer_disclosures(feed)
        assert feed.name not in [p["name"] for p in peers]
        assert {
            "name": other.name,
            "disclosure": {
                "basic_principle": other.disclosure.basic_principle,
                "operating_mechanism": other.disclosure.operating_mechanism,
                "application_scenario": other.disclosure.application_scenario,
                "purpose": feed.disclosure.purpose,
            },
        } in peers
        from filings.wizard_views import _problems

        got = [p for p in _problems(feed)[0] if p.code == "disclosure_similar"]
        assert [p.pointer for p in got] == [f"{A}/disclosure/purpose"]
        assert other.name in got[0].message


class TestTypeAgainstDescription:
    def test_a_recommender_filed_as_retrieval_is_warned(self, doc):
        algorithm(doc)["type"] = "information_retrieval"
        got = problems(doc, "type_description_mismatch")
        assert [(p.severity, p.pointer) for p in got] == [(WARNING, f"{A}/type")]
        with translation.override("en"):
            got = problems(doc, "type_description_mismatch")
        assert "Personalised push" in got[0].message
        assert "推荐" in got[0].message

    def test_a_description_with_the_types_own_words_passes(self, doc):
        # The demo's recommender mentions 排序 (ranking) too, but also its own words.
        assert found(doc, "type_description_mismatch") == []
        algorithm(doc)["type"] = "ranking_selection"
        assert found(doc, "type_description_mismatch") == []  # 排序 is a ranking word

    def test_the_rules_are_data(self):
        rules = checks.type_keywords()
        assert "推荐" in rules["personalized_push"]
        assert set(rules) <= {c for c, _label in checks.AlgorithmType.choices}


class TestProductNotOnline:
    def test_an_online_algorithm_in_a_product_not_online_is_an_error(self, doc):
        doc["providers"][0]["services"][0]["status"] = "not_online"
        got = problems(doc, "product_not_online")
        assert [(p.severity, p.pointer) for p in got] == [(ERROR, f"{P}/services/0/status")]
        assert doc["providers"][0]["services"][0]["name"] in got[0].message

    def test_an_algorithm_not_yet_online_may_run_in_a_product_not_online(self, doc):
        doc["providers"][0]["services"][0]["status"] = "not_online"
        algorithm(doc)["launch_status"] = "not_online"
        assert found(doc, "product_not_online") == []

    def test_both_online_passes(self, doc):
        assert found(doc, "product_not_online") == []


class TestAges:
    def test_a_minor_legal_representative_is_warned(self, doc):
        doc["providers"][0]["legal_representative"]["id_number"] = resident_id("11010520100101001")
        got = problems(doc, "id_age_implausible")
        assert [(p.severity, p.pointer) for p in got] == [
            (WARNING, f"{P}/legal_representative/id_number")
        ]
        assert "2010-01-01" in got[0].message and "16" in got[0].message

    def test_an_officer_over_100_is_warned(self, doc):
        doc["providers"][0]["security_officer"]["id_number"] = resident_id("11010519200101001")
        assert found(doc, "id_age_implausible") == [
            ("id_age_implausible", WARNING, f"{P}/security_officer/id_number")
        ]

    def test_adults_pass_and_the_limits_are_inclusive(self, doc):
        assert found(doc, "id_age_implausible") == []  # born 1949 and 1990
        doc["providers"][0]["legal_representative"]["id_number"] = resident_id("11010520080601001")
        assert found(doc, "id_age_implausible") == []  # 18 on TODAY

    def test_other_id_types_are_not_read(self, doc):
        person = doc["providers"][0]["legal_representative"]
        person["id_type"] = "passport"
        person["id_number"] = "E12345678"
        assert found(doc, "id_age_implausible") == []


class TestPublicAddresses:
    @pytest.mark.parametrize(
        "url",
        [
            "http://localhost:8000/app",
            "http://127.0.0.1/app",
            "https://192.168.1.20/news",
            "http://10.0.0.5",
            "http://[::1]/",
            "https://news.internal/app",
            "https://myapp.local",
            "http://intranet-server/app",
            "http://169.254.1.1/",
            "http://240.0.0.1/",
        ],
    )
    def test_local_private_and_reserved_hosts_are_errors(self, doc, url):
        doc["providers"][0]["services"][0]["access_url"] = url
        got = problems(doc, "access_url_not_public")
        assert [(p.severity, p.pointer) for p in got] == [(ERROR, f"{P}/services/0/access_url")]

    @pytest.mark.parametrize(
        "url",
        ["https://www.example.cn/news/app", "https://8.8.8.8/", "https://news.example.com.cn"],
    )
    def test_public_hosts_pass(self, doc, url):
        doc["providers"][0]["services"][0]["access_url"] = url
        assert found(doc, "access_url_not_public") == []

    def test_no_name_is_resolved(self, doc, monkeypatch):
        import socket

        def refuse(*args, **kwargs):
            raise AssertionError("resolved a host name")

        monkeypatch.setattr(socket, "getaddrinfo", refuse)
        monkeypatch.setattr(socket, "gethostbyname", refuse)
        doc["providers"][0]["services"][0]["access_url"] = "https://unknown-host.example.cn/"
        assert found(doc, "access_url_not_public") == []


class TestApplicationDomains:
    def test_a_domain_not_on_the_portals_list_is_warned(self, doc):
        algorithm(doc)["application_domains"] = ["新闻门户", "新闻资讯"]
        got = problems(doc, "application_domain_unknown")
        assert [(p.severity, p.pointer) for p in got] == [(WARNING, f"{A}/application_domains")]
        assert "新闻资讯" in got[0].message

    def test_listed_domains_and_other_pass(self, doc):
        algorithm(doc)["application_domains"] = ["短视频", "用户内容生成(UGC)", "其他：智慧农业"]
        assert found(doc, "application_domain_unknown") == []

    def test_the_list_is_data(self):
        domains, other = checks.application_domain_list()
        assert {"用户内容生成(UGC)", "短视频", "商超团购"} <= set(domains)
        assert other == "其他"


class TestSummaryLength:
    def test_over_150_characters_is_an_error_with_the_count(self, doc):
        algorithm(doc)["summary"] = "根" * 151
        got = problems(doc, "summary_too_long")
        assert [(p.severity, p.pointer) for p in got] == [(ERROR, f"{A}/summary")]
        with translation.override("en"):
            message = problems(doc, "summary_too_long")[0].message
        assert "151" in message and "150" in message

    def test_150_characters_pass(self, doc):
        algorithm(doc)["summary"] = "根" * 150
        assert found(doc, "summary_too_long") == []


def _break_everything(document):
    provider = document["providers"][0]
    a = provider["algorithms"][0]
    a["type"] = "information_retrieval"
    a["summary"] = "根据用户兴趣推荐资讯。" * 15
    a["application_domains"] = ["新闻资讯"]
    provider["services"][0]["status"] = "not_online"
    provider["services"][0]["access_url"] = "http://localhost:8000/"
    provider["legal_representative"]["id_number"] = resident_id("11010520100101001")
    peers = [{"name": "另一推荐算法", "disclosure": dict(a["disclosure"])}]
    return peers


def test_every_new_message_is_in_both_languages(doc):
    peers = _break_everything(doc)
    codes = (
        "disclosure_similar",
        "type_description_mismatch",
        "product_not_online",
        "id_age_implausible",
        "access_url_not_public",
        "application_domain_unknown",
        "summary_too_long",
    )
    by_language = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            got = run_checks(doc, attachments=ATTACHED, today=TODAY, peers=peers)
        by_language[language] = {p.code: p.message for p in got if p.code in codes}
    assert set(by_language["en"]) == set(codes)
    for code in codes:
        en, zh = by_language["en"][code], by_language["zh-hans"][code]
        assert en != zh, code
        assert "the" not in zh.split() and "：" in zh, (code, zh)
