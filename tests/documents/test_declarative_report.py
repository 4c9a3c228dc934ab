"""The report a filer signs (issue 12 §4): declarative items under the template's headings,
each basis cited by the kind of text it is.

The pure parts (citations, one item's prose, the headings) are tested on plain data; the
rendered report once on the demo's news feed, answered item by item.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re

import pytest
from django.template import Context, Template

from assessments.catalogue import (
    DEFAULT_FILE,
    document_problems,
    read_catalogue,
    statement_problems,
)
from assessments.models import Answer, CatalogueItem, CatalogueVersion
from documents import content
from documents.render import render_html
from documents.services import prepare
from filings import citations

REGULATIONS = {
    "ARS-2021": {"kind": "regulation", "zh": "互联网信息服务算法推荐管理规定", "en": "ARS"},
    "SA-2018": {"kind": "regulation", "zh": "安全评估规定", "en": "SA"},
    "GB-45438": {"kind": "standard", "zh": "标识方法（GB 45438-2025）", "en": "GB"},
    "TC260-003": {"kind": "standard", "zh": "生成式人工智能服务安全基本要求", "en": "TC"},
}
HEADINGS = ["风险防范机制建设", "用户权益保护", "内容生态治理", "模型安全保障", "数据安全防护"]


def _text(html: str) -> str:
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", html))


# ---------------------------------------------------------------------------
# Citations
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ({"regulation": "ARS-2021", "article": 17}, "《互联网信息服务算法推荐管理规定》第十七条"),
        ({"regulation": "GB-45438", "clause": "E"}, "《标识方法（GB 45438-2025）》附录E"),
        ({"regulation": "GB-45438", "clause": "5"}, "《标识方法（GB 45438-2025）》第5章"),
        ({"regulation": "TC260-003", "clause": "5.3"}, "《生成式人工智能服务安全基本要求》第5.3条"),
        ({"regulation": "TC260-003", "clause": "A.1"}, "《生成式人工智能服务安全基本要求》附录A.1"),
    ],
)
def test_a_basis_is_cited_by_the_kind_of_text(ref, expected):
    assert citations.cite(ref, REGULATIONS) == expected


def test_the_kind_on_the_regulation_decides_not_the_shape_of_the_reference():
    # A standard whose division was keyed as a number still reads as a chapter, never 第五条.
    assert citations.cite({"regulation": "TC260-003", "article": 7}, REGULATIONS).endswith("第7章")
    assert citations.cite_en({"regulation": "GB-45438", "clause": "E"}, REGULATIONS) == (
        "GB-45438 Annex E"
    )
    assert citations.cite_en({"regulation": "TC260-003", "clause": "5"}, REGULATIONS) == (
        "TC260-003 ch. 5"
    )
    assert citations.cite_en({"regulation": "ARS-2021", "article": 17}, REGULATIONS) == (
        "ARS-2021 Art. 17"
    )


def test_articles_of_one_text_are_cited_together_in_order():
    refs = [
        {"regulation": "SA-2018", "article": 3},
        {"regulation": "ARS-2021", "article": 27},
        {"regulation": "SA-2018", "article": 6},
        {"regulation": "SA-2018", "article": 6},
        {"regulation": "GB-45438", "clause": "6"},
        {"regulation": "GB-45438", "clause": "E"},
    ]
    assert citations.cite_all(refs, REGULATIONS) == [
        "《安全评估规定》第三条、第六条",
        "《互联网信息服务算法推荐管理规定》第二十七条",
        "《标识方法（GB 45438-2025）》第6章、附录E",
    ]


def test_the_pages_cite_as_the_report_does(catalogue_loaded):
    rendered = Template("{% load suanbei %}{% cite basis %}").render(
        Context(
            {
                "basis": [
                    {"regulation": "GB-45438", "clause": "6"},
                    {"regulation": "GB-45438", "clause": "E"},
                ]
            }
        )
    )
    assert rendered.endswith("》第6章、附录E")
    assert "第E条" not in rendered


# ---------------------------------------------------------------------------
# One item's prose
# ---------------------------------------------------------------------------

ITEM = {
    "id": "ARS-7-ethics-review",
    "area": "mechanism_ethics",
    "question_zh": "是否建立科技伦理审查制度？",
    "question_en": "Is there an ethics review?",
    "statement_zh": "本单位已建立科技伦理审查制度，并对本算法开展科技伦理审查。",
    "statement_en": "The provider has set up an ethics review system.",
    "basis": [{"regulation": "ARS-2021", "article": 7}],
}
CONTEXT = {"regulations": REGULATIONS}


def _row(answer):
    return content._item_row(ITEM, answer, 4, CONTEXT)


def test_a_compliant_item_is_the_statement_and_its_measures():
    row = _row({"status": "compliant", "measures": "2025年3月成立伦理委员会。"})
    assert row["prose_zh"] == "本单位已建立科技伦理审查制度，并对本算法开展科技伦理审查。"
    assert row["measures_label"] == "具体措施"
    assert not row["needs_rectification"]
    assert row["citations"] == ["《互联网信息服务算法推荐管理规定》第七条"]
    assert row["status_zh"] == "符合"


@pytest.mark.parametrize(
    ("status", "opening"),
    [
        (
            "partial",
            "本单位已部分落实以下要求，尚存差距：建立科技伦理审查制度，并对本算法开展科技伦理审查。",
        ),
        (
            "non_compliant",
            "本单位尚未落实以下要求：建立科技伦理审查制度，并对本算法开展科技伦理审查。",
        ),
    ],
)
def test_a_gap_names_the_requirement_and_its_rectification_with_a_date(status, opening):
    row = _row(
        {
            "status": status,
            "justification": "尚未覆盖新业务线。",
            "x": {"rectification": "补充审查并培训。", "rectification_due": "2026-03-31"},
        }
    )
    assert row["prose_zh"] == opening
    assert row["justification_label"] == "差距"
    assert row["needs_rectification"]
    assert row["rectification"] == "补充审查并培训。"
    assert row["rectification_due"] == "2026年3月31日"


def test_a_gap_without_a_plan_says_so():
    row = _row({"status": "non_compliant"})
    assert (
        row["needs_rectification"] and row["rectification"] == "" and row["rectification_due"] == ""
    )


def test_an_item_that_does_not_apply_gives_the_reason():
    row = _row({"status": "not_applicable", "justification": "不向未成年人提供服务。"})
    assert row["prose_zh"].startswith("以下要求不适用于本算法：建立科技伦理审查制度")
    assert row["justification_label"] == "不适用的理由"


def test_an_unanswered_item_is_printed_as_not_assessed():
    row = _row(None)
    assert row["status"] == "unanswered" and row["status_zh"] == "未评估"
    assert row["prose_zh"].startswith("本项尚未评估：建立科技伦理审查制度")


def test_an_item_of_an_older_catalogue_without_a_statement_is_not_a_question():
    item = {**ITEM, "statement_zh": "", "statement_en": ""}
    row = content._item_row(item, {"status": "compliant"}, 1, CONTEXT)
    assert "是否" not in row["prose_zh"] and "？" not in row["prose_zh"]
    assert row["prose_zh"].startswith("本单位已落实以下要求：")


# ---------------------------------------------------------------------------
# The headings of 四、风险防控情况
# ---------------------------------------------------------------------------


def _catalogue_context():
    document, _sha = read_catalogue()
    return {
        "areas": {a["code"]: a["label"] for a in document["areas"]},
        "area_sections": {a["code"]: a["report_section"] for a in document["areas"]},
        "report_sections": [{"code": s["code"], **s["title"]} for s in document["report_sections"]],
    }


def test_every_heading_is_printed_and_every_item_is_under_one():
    context = _catalogue_context()
    rows = [
        {**content._item_row({**ITEM, "id": f"X-{i}", "area": area}, None, i, context)}
        for i, area in enumerate(["user_rights", "governance", "data_protection", "nowhere"])
    ]
    sections = content._sections(rows, context)
    titles = [s["title_zh"] for s in sections]
    assert titles[:5] == HEADINGS
    # The area no heading claims is listed apart, never dropped.
    assert titles[5] == "其他评估事项" and sections[5]["count"] == 1
    assert [s["count"] for s in sections[:5]] == [1, 1, 0, 0, 1]
    assert sum(s["count"] for s in sections) == len(rows)


def test_the_shipped_catalogue_maps_every_area_and_states_every_item():
    document, _sha = read_catalogue()
    codes = [s["code"] for s in document["report_sections"]]
    assert [s["title"]["zh"] for s in document["report_sections"]] == HEADINGS
    assert all(a["report_section"] in codes for a in document["areas"])
    for item in document["items"]:
        assert item["statement"]["zh"].startswith("本单位已"), item["id"]
        assert statement_problems(item["statement"]) == [], item["id"]


# ---------------------------------------------------------------------------
# The catalogue's validator
# ---------------------------------------------------------------------------


def _document():
    return json.loads(DEFAULT_FILE.read_text(encoding="utf-8"))


def test_an_item_without_a_statement_is_refused():
    document = _document()
    del document["items"][0]["statement"]
    problems = document_problems(document)
    assert any("missing key “statement”" in p for p in problems), problems


@pytest.mark.parametrize(
    ("statement", "fragment"),
    [
        ({"zh": "是否建立制度？", "en": "The provider has a system."}, "本单位已"),
        ({"zh": "本单位已建立制度。", "en": "Is there a system?"}, "The provider has"),
        ({"zh": "本单位已建立符合要求的制度。", "en": "The provider has a system."}, "符合"),
    ],
)
def test_a_statement_is_one_declarative_sentence_without_a_conclusion(statement, fragment):
    problems = statement_problems(statement, "statement")
    assert problems and any(fragment in p for p in problems), problems


def test_an_area_must_map_onto_a_known_heading():
    document = _document()
    del document["areas"][0]["report_section"]
    document["areas"][1]["report_section"] = "elsewhere"
    problems = document_problems(document)
    assert any("areas[0]: missing key “report_section”" in p for p in problems), problems
    assert any("areas[1].report_section: unknown report section “elsewhere”" in p for p in problems)
    broken = copy.deepcopy(_document())
    broken["report_sections"] = []
    assert any(p.startswith("report_sections:") for p in document_problems(broken))


# ---------------------------------------------------------------------------
# Loaded and rendered
# ---------------------------------------------------------------------------


@pytest.fixture
def catalogue_loaded(db):
    from assessments.catalogue import ensure_loaded

    ensure_loaded()


def test_loading_stores_statements_and_headings(catalogue_loaded):
    item = CatalogueItem.objects.get(item_id="ARS-7-ethics-review")
    assert item.statement_zh.startswith("本单位已") and item.statement_en.startswith("The provider")
    version = CatalogueVersion.current()
    assert [s["title"]["zh"] for s in version.report_sections] == HEADINGS


@pytest.mark.django_db
def test_the_demo_report_reads_as_a_filer_signs_it(feed):
    assessment = feed.assessment
    Answer.objects.update_or_create(
        assessment=assessment,
        item="ARS-7-ethics-review",
        defaults={
            "workspace": feed.workspace,
            "status": "compliant",
            "measures": "伦理委员会季度审查记录MARK-A",
        },
    )
    Answer.objects.update_or_create(
        assessment=assessment,
        item="ARS-22-complaints",
        defaults={
            "workspace": feed.workspace,
            "status": "non_compliant",
            "justification": "反馈时限未公开MARK-B",
            "rectification": "在用户协议中公开反馈时限MARK-C",
            "rectification_due": dt.date(2026, 6, 30),
        },
    )
    prepared = prepare(feed)
    html = render_html(prepared.snapshot, "report", context=prepared.context)
    text = _text(html)
    section = text[text.index("四、风险防控情况") : text.index("五、安全评估结论")]
    assert (
        "本单位已建立科技伦理审查制度，并对本算法开展科技伦理审查。具体措施：伦理委员会季度审查记录MARK-A"
        in section
    )
    assert "本单位尚未落实以下要求：设置便捷有效的用户申诉" in section
    assert "差距：反馈时限未公开MARK-B" in section
    assert "整改计划：在用户协议中公开反馈时限MARK-C" in section
    assert "整改时限：2026年6月30日前完成" in section
    # Headings in the template's order; no item asks a question.
    positions = [section.index(f"）{h}") for h in HEADINGS]
    assert positions == sorted(positions)
    assert "是否" not in section
    # Unanswered items stay visible, and the counts are those of the same rows.
    applicable = len(prepared.context["items"])
    answered = Answer.objects.filter(assessment=assessment).exclude(status="").count()
    assert section.count("评估结论：未评估") == applicable - answered
    assert "未评估" in text[text.index("五、安全评估结论") :]
