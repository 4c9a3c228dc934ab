import copy
import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from assessments.catalogue import (
    DEFAULT_FILE,
    CatalogueError,
    ensure_loaded,
    load_catalogue,
    read_catalogue,
)
from assessments.models import CatalogueItem, CatalogueVersion, Metric
from tests.conftest import shared_path

# The areas the issue names, with the catalogue's code for each.
REQUIRED_AREAS = {
    "content security": "content_security",
    "manual intervention": "manual_intervention",
    "manipulation and fake accounts": "manipulation",
    "mechanism audit and ethics review": "mechanism_ethics",
    "data and personal information": "data_protection",
    "user rights": "user_rights",
    "minors": "minors",
    "the elderly": "elderly",
    "workers": "workers",
    "consumers and pricing": "consumers",
    "abuse prevention": "abuse_prevention",
    "incident response and logs": "incident_response",
    "labelling": "labelling",
    "generative-AI specifics": "generative_ai",
    "TC260-003 quantities": "gai_safety",
    "security assessment (SA-2018 Art 5)": "security_assessment",
}

# The regulations whose texts are in shared/data/cac, by file.
TEXTS = {
    "ARS-2021": "laws.json",
    "DS-2022": "laws.json",
    "GAI-2023": "supplemental-laws.json",
    "LABEL-2025": "supplemental-laws.json",
    "SA-2018": "supplemental-laws.json",
}

# Items whose first cited article must contain a phrase of the duty: guards
# against the mis-citations public templates make (manual intervention is
# ARS Art 11, not Art 9).
KEY_PHRASES = {
    "ARS-11-key-positions": "人工干预",
    "ARS-17-opt-out": "关闭算法推荐服务",
    "ARS-17-user-tags": "用户标签",
    "ARS-10-tag-rules": "用户标签",
    "ARS-17-explanation": "重大影响",
    "ARS-9-feature-library": "特征库",
    "ARS-14-fake-accounts": "虚假注册账号",
    "ARS-16-disclose-principles": "基本原理",
    "ARS-18-minors-mode": "未成年人",
    "ARS-19-age-friendly": "老年人",
    "ARS-20-order-allocation": "订单分配",
    "ARS-21-fair-pricing": "差别待遇",
    "ARS-22-complaints": "投诉",
    "ARS-26-filing-number-display": "备案编号",
    "ARS-28-log-retention": "网络日志",
    "ARS-8-no-addiction": "沉迷",
    "ARS-7-ethics-review": "科技伦理审查",
    "DS-9-real-name": "真实身份",
    "DS-11-rumour-refuting": "辟谣",
    "DS-14-biometric-consent": "单独同意",
    "DS-15-tool-security-assessment": "安全评估",
    "DS-17-prominent-labels": "显著标识",
    "DS-18-label-integrity": "篡改",
    "GAI-8-annotation": "标注",
    "GAI-10-minors-over-reliance": "未成年人",
    "GAI-11-personal-information-requests": "删除",
    "GAI-13-stable-service": "稳定",
    "LABEL-4-explicit-labels": "显式标识",
    "LABEL-5-implicit-metadata": "元数据",
    "LABEL-6-propagation-check": "传播",
    "LABEL-8-user-agreement": "用户服务协议",
    "LABEL-9-unlabelled-output": "六个月",
    "LABEL-12-filing-materials": "算法备案",
    "SA-5-log-retention": "网络源端口",
    "SA-5-authority-support": "国家安全机关",
    "ARS-17-ranking-search-opt-out": "不针对其个人特征的选项",
    "ARS-8-reassessment-after-update": "模型",
}

# Laws cited whose texts are not in shared/data/cac: their number of articles
# (PIPL 74; Cybersecurity Law 79 as enacted in 2016; 未成年人网络保护条例 60),
# so a citation at least names an article that exists.
TEXTLESS = {"PIPL-2021": 74, "CSL-2016": 79, "MINORS-2023": 60}

# The TC260-003 thresholds of cac-filing-reference.md §1.4 / gai-filing-reference.md §2.
THRESHOLDS = {
    "corpus_source_harmful_share": ("<=", 5),
    "corpus_manual_sample": (">=", 4000),
    "corpus_manual_pass_rate": (">=", 96),
    "corpus_technical_sample_share": (">=", 10),
    "corpus_technical_pass_rate": (">=", 98),
    "keyword_count": (">=", 10000),
    "generated_test_bank": (">=", 2000),
    "should_refuse_bank": (">=", 500),
    "non_refusal_bank": (">=", 500),
    "generated_assessment_sample": (">=", 1000),
    "generated_pass_rate": (">=", 90),
    "should_refuse_sample": (">=", 300),
    "should_refuse_rate": (">=", 95),
    "non_refusal_sample": (">=", 300),
    "non_refusal_refusal_rate": ("<=", 5),
}


def _document() -> dict:
    return json.loads(DEFAULT_FILE.read_text(encoding="utf-8"))


def _chinese_number(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


def _write(tmp_path, document: dict):
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def test_the_bundled_catalogue_is_valid():
    document, sha256 = read_catalogue()
    assert re.fullmatch(r"\d{4}\.\d+\.\d+", document["version"])
    assert len(sha256) == 64
    assert len(document["items"]) >= 45
    assert set(document["regulations"]) == {
        "ARS-2021",
        "DS-2022",
        "GAI-2023",
        "LABEL-2025",
        "SA-2018",
        "TC260-003",
        "GB-45438",
        "GB-T-45654",
        "PIPL-2021",
        "CSL-2016",
        "MINORS-2023",
    }


def test_every_area_of_the_issue_has_items():
    document = _document()
    area_codes = [a["code"] for a in document["areas"]]
    covered = {item["area"] for item in document["items"]}
    for name, code in REQUIRED_AREAS.items():
        assert code in area_codes, name
        assert code in covered, name
    assert covered == set(area_codes), "an area without items"


def test_user_rights_cover_notice_opt_out_tags_explanations_and_complaints():
    ids = {item["id"] for item in _document()["items"] if item["area"] == "user_rights"}
    assert {
        "ARS-16-prominent-notice",
        "ARS-17-opt-out",
        "ARS-17-user-tags",
        "ARS-17-explanation",
        "ARS-22-complaints",
    } <= ids


def test_labelling_covers_explicit_and_implicit_marks_and_gb_45438_metadata():
    items = {item["id"]: item for item in _document()["items"] if item["area"] == "labelling"}
    assert "LABEL-4-explicit-labels" in items
    implicit = items["LABEL-5-implicit-metadata"]
    assert {"regulation": "GB-45438", "clause": "E"} in implicit["basis"]
    assert "AIGC" in implicit["guidance"]["zh"]


def test_metric_thresholds_are_those_of_the_reference():
    metrics = {m["id"]: m for m in _document()["metrics"]}
    for metric_id, (comparator, threshold) in THRESHOLDS.items():
        assert (metrics[metric_id]["comparator"], metrics[metric_id]["threshold"]) == (
            comparator,
            threshold,
        ), metric_id
        assert metrics[metric_id]["confidence"] in {"F", "M"}
    assert metrics["corpus_manual_sample"]["confidence"] == "F"
    assert metrics["should_refuse_rate"]["confidence"] == "M"


def test_tc260_items_name_the_metrics_they_check():
    items = {item["id"]: item for item in _document()["items"]}
    assert items["TC260-9.2-corpus-assessment"]["metrics"] == [
        "corpus_manual_sample",
        "corpus_manual_pass_rate",
        "corpus_technical_sample_share",
        "corpus_technical_pass_rate",
    ]
    assert items["TC260-9.2-corpus-assessment"]["basis"] == [
        {"regulation": "TC260-003", "clause": "9.2"}
    ]


@pytest.mark.shared
def test_every_cited_article_exists_in_the_regulation_text():
    document = _document()
    titles = {code: document["regulations"][code]["title"]["zh"] for code in TEXTS}
    articles: dict[str, dict[str, str]] = {}
    for file in sorted(set(TEXTS.values())):
        for law in json.loads(shared_path("data", "cac", file).read_text(encoding="utf-8")):
            for code, title in titles.items():
                if law["title"] == title and TEXTS[code] == file:
                    articles[code] = {
                        a["number"]: a["text"] for ch in law["chapters"] for a in ch["articles"]
                    }
    assert set(articles) == set(TEXTS), "a regulation title does not match its text"

    references = [(item["id"], ref) for item in document["items"] for ref in item["basis"]] + [
        (m["id"], ref) for m in document["metrics"] for ref in m["basis"]
    ]
    kinds = {code: r["kind"] for code, r in document["regulations"].items()}
    for owner, ref in references:
        if ref["regulation"] in TEXTS:
            number = f"第{_chinese_number(ref['article'])}条"
            assert number in articles[ref["regulation"]], (owner, ref)
        elif kinds[ref["regulation"]] == "regulation":
            # Every cited regulation has its text in shared, or is a known textless law.
            assert 1 <= ref["article"] <= TEXTLESS[ref["regulation"]], (owner, ref)

    items = {item["id"]: item for item in document["items"]}
    for item_id, phrase in KEY_PHRASES.items():
        first = items[item_id]["basis"][0]
        text = articles[first["regulation"]][f"第{_chinese_number(first['article'])}条"]
        assert phrase in text, (item_id, first, phrase)


def test_chinese_article_numbers_are_spelled_like_the_texts():
    assert [_chinese_number(n) for n in (1, 9, 10, 11, 17, 20, 24, 35)] == [
        "一",
        "九",
        "十",
        "十一",
        "十七",
        "二十",
        "二十四",
        "三十五",
    ]


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ({"fact": "colour", "is": True}, "unknown fact “colour”"),
        ({"either": []}, "use exactly one of"),
        ({"fact": "serves_minors", "is": "yes"}, "is true or false"),
        ({"fact": "type", "in": ["personalised_push"]}, "is not a value of “type”"),
        ({"all": []}, "expected a non-empty list"),
        ({"not": {"fact": "role", "equals": "service_provider"}}, "unknown key “equals”"),
        ({"fact": "role"}, "exactly one of “is” or “in”"),
        ({"fact": ["role"], "is": True}, "unknown fact"),
        ({"fact": "type", "in": [["personalized_push"]]}, "is not a value of “type”"),
        ([{"fact": "role", "is": "service_provider"}], "expected a condition object"),
    ],
)
def test_it_refuses_a_catalogue_with_a_bad_condition(tmp_path, condition, message):
    document = _document()
    document["items"][0]["applies_when"] = condition
    with pytest.raises(CatalogueError) as info:
        read_catalogue(_write(tmp_path, document))
    first_id = document["items"][0]["id"]
    assert any(message in p and first_id in p for p in info.value.problems), info.value.problems


@pytest.mark.parametrize(
    ("basis", "message"),
    [
        ([{"regulation": "PIPL-2099", "article": 13}], "unknown regulation “PIPL-2099”"),
        ([{"regulation": "ARS-2021", "clause": "5.2"}], "exactly the keys article, regulation"),
        ([{"regulation": "ARS-2021", "article": "17"}], "expected a positive whole number"),
        ([{"regulation": "TC260-003", "clause": "clause 5"}], "expected a clause number"),
        ([], "non-empty list"),
        ([{"regulation": ["ARS-2021"], "article": 1}], "unknown regulation"),
        (["ARS-2021 Art 17"], "expected an object"),
    ],
)
def test_it_refuses_a_catalogue_with_a_bad_basis(tmp_path, basis, message):
    document = _document()
    document["items"][0]["basis"] = basis
    with pytest.raises(CatalogueError) as info:
        read_catalogue(_write(tmp_path, document))
    assert any(message in p for p in info.value.problems), info.value.problems


def test_it_reports_every_problem_at_once(tmp_path):
    document = _document()
    document["items"][0]["area"] = "nowhere"
    document["items"][1]["evidence"] = ["hearsay"]
    document["items"][2]["id"] = document["items"][3]["id"]
    document["metrics"][0]["comparator"] = ">"
    document["surprise"] = 1
    with pytest.raises(CatalogueError) as info:
        read_catalogue(_write(tmp_path, document))
    assert info.value.problems == ["catalogue: unknown key “surprise”."]
    del document["surprise"]
    with pytest.raises(CatalogueError) as info:
        read_catalogue(_write(tmp_path, document))
    text = "\n".join(info.value.problems)
    for fragment in (
        "unknown area “nowhere”",
        "unknown evidence kind “hearsay”",
        "is listed twice",
        ".comparator",
    ):
        assert fragment in text


def test_unhashable_codes_are_reported_not_raised(tmp_path):
    document = _document()
    document["items"][0]["evidence"] = [{"kind": "screenshot"}]
    document["items"][0]["metrics"] = [["keyword_count"]]
    with pytest.raises(CatalogueError) as info:
        read_catalogue(_write(tmp_path, document))
    assert len(info.value.problems) == 2


def test_it_refuses_a_metric_no_item_uses(tmp_path):
    document = _document()
    for item in document["items"]:
        if "keyword_count" in item.get("metrics", []):
            item["metrics"].remove("keyword_count")
    with pytest.raises(CatalogueError, match="“keyword_count” is not used by any item"):
        read_catalogue(_write(tmp_path, document))


def test_it_refuses_a_file_that_is_not_json(tmp_path):
    path = tmp_path / "catalogue.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CatalogueError, match="not valid UTF-8 JSON"):
        read_catalogue(path)


def test_loading_writes_items_metrics_and_the_version(catalogue):
    document = _document()
    assert CatalogueItem.objects.filter(active=True).count() == len(document["items"])
    assert Metric.objects.count() == len(document["metrics"])
    version = CatalogueVersion.current()
    assert version.version == document["version"] and version.sha256 == catalogue.sha256
    opt_out = CatalogueItem.objects.get(item_id="ARS-17-opt-out")
    assert opt_out.area == "user_rights"
    assert opt_out.basis == [{"regulation": "ARS-2021", "article": 17}]
    assert opt_out.applies_when == {
        "all": [
            {"fact": "role", "is": "service_provider"},
            {"fact": "personalised", "is": True},
        ]
    }
    assert opt_out.version == version
    assert (
        str(Metric.objects.get(metric_id="corpus_manual_sample")) == "corpus_manual_sample >= 4000"
    )


def test_loading_twice_changes_nothing(catalogue):
    history = CatalogueItem.history.count()
    again = load_catalogue()
    assert (again.created, again.updated, again.deactivated) == ([], [], [])
    assert again.unchanged == CatalogueItem.objects.count() + Metric.objects.count()
    assert CatalogueItem.history.count() == history
    assert CatalogueVersion.objects.count() == 1


def test_items_missing_from_the_file_become_inactive_and_come_back(catalogue, tmp_path):
    document = _document()
    changed = copy.deepcopy(document)
    changed["version"] = "2099.1.1"
    removed = changed["items"].pop(0)
    changed["items"][0]["question"]["en"] = "A reworded question?"
    result = load_catalogue(_write(tmp_path, changed))
    assert result.deactivated == [removed["id"]]
    assert result.updated == [changed["items"][0]["id"]]
    item = CatalogueItem.objects.get(item_id=removed["id"])
    assert not item.active  # kept, not deleted
    assert CatalogueVersion.current().version == "2099.1.1"
    assert CatalogueItem.objects.get(item_id=changed["items"][0]["id"]).version.version == (
        "2099.1.1"
    )

    load_catalogue()
    item.refresh_from_db()
    assert item.active
    assert CatalogueVersion.objects.count() == 2


def test_it_warns_when_changed_content_keeps_its_version(catalogue, tmp_path):
    document = _document()
    document["items"][0]["guidance"]["en"] += " More."
    result = load_catalogue(_write(tmp_path, document))
    assert result.warnings and "give changed data a new version" in result.warnings[0]


def test_a_fresh_database_is_loaded_on_demand(db):
    assert not CatalogueItem.objects.exists()
    assert ensure_loaded() is not None
    assert CatalogueItem.objects.exists()
    assert ensure_loaded() is None


def test_admin_edits_are_validated_like_the_file(catalogue):
    item = CatalogueItem.objects.get(item_id="ARS-17-opt-out")
    item.full_clean()
    item.applies_when = {"fact": "colour", "is": True}
    item.basis = [{"regulation": "ARS-2021", "article": 0}]
    item.area = "nowhere"
    item.evidence = []
    item.metrics = ["no_such_metric"]
    with pytest.raises(ValidationError) as info:
        item.full_clean()
    assert set(info.value.message_dict) == {"applies_when", "basis", "area", "evidence", "metrics"}

    metric = Metric.objects.get(metric_id="corpus_manual_pass_rate")
    metric.threshold = 101
    metric.basis = [{"regulation": "TC260-003", "article": 9}]
    with pytest.raises(ValidationError) as info:
        metric.full_clean()
    assert set(info.value.message_dict) == {"threshold", "basis"}


def test_an_item_speaks_the_active_language(catalogue):
    item = CatalogueItem.objects.get(item_id="ARS-17-opt-out")
    with translation.override("zh-hans"):
        assert item.question == item.question_zh and "关闭" in item.question
        assert item.guidance == item.guidance_zh
        assert CatalogueVersion.current().area_label("user_rights") == "用户权益保护"
    with translation.override("en"):
        assert item.question == item.question_en
        assert CatalogueVersion.current().area_label("user_rights") == "User rights"


# ---------------------------------------------------------------------------
# I12-E: the items issue 12 §7 adds, and GB/T 45654-2025 beside TC260-003
# ---------------------------------------------------------------------------

NEW_ITEMS = {
    "PIPL-24-automated-decisions": {"regulation": "PIPL-2021", "article": 24},
    "PIPL-55-impact-assessment": {"regulation": "PIPL-2021", "article": 55},
    "MINORS-43-minors-mode": {"regulation": "MINORS-2023", "article": 43},
    "CSL-21-classified-protection": {"regulation": "CSL-2016", "article": 21},
    "ARS-8-reassessment-after-update": {"regulation": "ARS-2021", "article": 8},
    "ARS-17-ranking-search-opt-out": {"regulation": "ARS-2021", "article": 17},
}


def test_the_missing_items_of_issue_12_are_there_with_their_first_basis():
    items = {item["id"]: item for item in _document()["items"]}
    for item_id, first in NEW_ITEMS.items():
        assert items[item_id]["basis"][0] == first, item_id
    reassessment = items["ARS-8-reassessment-after-update"]["basis"]
    assert {"regulation": "SA-2018", "article": 3} in reassessment


def test_the_ranking_and_search_opt_out_applies_beyond_personalised_push():
    from filings.applicability import evaluate

    item = next(i for i in _document()["items"] if i["id"] == "ARS-17-ranking-search-opt-out")
    facts = {"role": "service_provider", "type": "information_retrieval"}
    assert evaluate(item["applies_when"], facts)
    assert not evaluate(item["applies_when"], {**facts, "type": "generation_synthesis"})


def test_both_standards_are_recorded_with_their_dates():
    regulations = _document()["regulations"]
    assert regulations["TC260-003"]["effective"] == "2024-02-29"
    assert regulations["GB-T-45654"]["effective"] == "2025-11-01"
    assert regulations["GB-T-45654"]["kind"] == "standard"
    assert regulations["TC260-003"]["succeeded_by"]["regulation"] == "GB-T-45654"
    assert regulations["TC260-003"]["succeeded_by"]["from"] == "2025-11-01"


@pytest.mark.parametrize(
    ("report_date", "expected"),
    [
        ("2025-10-31", {"regulation": "TC260-003", "clause": "9.2"}),
        ("2025-11-01", {"regulation": "GB-T-45654", "clause": "B"}),
        (None, {"regulation": "GB-T-45654", "clause": "B"}),  # undated: signed from now on
    ],
)
def test_a_report_cites_the_standard_in_force_on_its_date(report_date, expected):
    from assessments.citations import dated_basis

    regulations = _document()["regulations"]
    basis = [{"regulation": "TC260-003", "clause": "9.2"}, {"regulation": "ARS-2021", "article": 8}]
    assert dated_basis(basis, regulations, report_date) == [
        expected,
        {"regulation": "ARS-2021", "article": 8},
    ]
    # Chapters without a mapping keep their number.
    assert dated_basis([{"regulation": "TC260-003", "clause": "5.1"}], regulations, None) == [
        {"regulation": "GB-T-45654", "clause": "5.1"}
    ]


@pytest.mark.parametrize(
    ("succession", "message"),
    [
        ({"regulation": "GB-T-99999", "from": "2025-11-01"}, "unknown regulation"),
        ({"regulation": "GB-T-45654", "from": "soon"}, "expected a date"),
        ({"regulation": "GB-T-45654", "from": "2025-11-01", "clauses": ["B"]}, "clause → clause"),
        ("GB-T-45654", "expected an object"),
    ],
)
def test_it_refuses_a_bad_succession(tmp_path, succession, message):
    document = _document()
    document["regulations"]["TC260-003"]["succeeded_by"] = succession
    with pytest.raises(CatalogueError) as info:
        read_catalogue(_write(tmp_path, document))
    assert any(message in p and "succeeded_by" in p for p in info.value.problems), (
        info.value.problems
    )
