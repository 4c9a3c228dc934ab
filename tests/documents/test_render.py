"""The documents as a person would check them: text (pdftotext), fonts
(pdffonts), the first page as an image (pdftoppm), bookmarks and contents."""

import re

import pytest

from documents.render import render, render_html
from documents.services import prepare
from filings import versions
from filings.choices import FilingStatus
from filings.models import Algorithm, Filing, SnapshotVersion

pytestmark = pytest.mark.django_db


def _render(algorithm, document, **options):
    prepared = prepare(algorithm, **options)
    return prepared, render(prepared.snapshot, document, context=prepared.context)


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


HEADINGS = {
    "form": [
        "算法备案信息表",
        "主体信息",
        "算法基础属性",
        "算法详细属性",
        "产品及功能",
        "统一社会信用代码",
        "91110108MA01ABCD1E",
    ],
    "report": [
        "算法安全自评估报告",
        "评估算法描述",
        "评估算法风险描述",
        "真实性声明",
        "一、算法情况",
        "二、服务情况",
        "三、风险研判",
        "四、风险防控情况",
        "五、安全评估结论",
        "六、其他应当说明的情况",
        # The answered item, with its article.
        "《互联网信息服务算法推荐管理规定》第十七条",
        "关闭开关",
        "（盖章处）",
    ],
    "disclosure": [
        "拟公示内容",
        "算法基本原理",
        "算法运行机制",
        "算法应用场景",
        "算法目的意图",
        "公示日期",
    ],
    "responsibility": [
        "落实算法安全主体责任基本情况",
        "一、算法安全专职机构",
        "二、算法安全管理制度建设",
        "算法安全委员会",
        "算法安全事件应急处置制度",
        "法定代表人（签字）",
    ],
}


@pytest.mark.parametrize("document", ["form", "report", "disclosure", "responsibility"])
def test_each_document_carries_the_cacs_headings_and_the_data(feed, pdf, document):
    prepared, data = _render(feed, document)
    assert data.startswith(b"%PDF")
    text = _flat(pdf.text(data))
    for heading in HEADINGS[document]:
        assert _flat(heading) in text, heading
    assert "示例新闻个性化推荐算法" in text


def test_every_page_has_its_number_the_version_and_the_snapshot_hash(feed, pdf):
    prepared, data = _render(feed, "report")
    pages = pdf.pages(data)
    assert len(pages) > 3
    for number, page in enumerate(pages, start=1):
        flat = _flat(page)
        assert f"第{number}页共{len(pages)}页" in flat
        assert prepared.snapshot_hash[:12] in flat
        assert "文档版本v1" in flat
        # The running header names the entity and the algorithm.
        assert "北京示例智能科技有限公司" in flat


def test_a_draft_says_so_on_every_page(chat, pdf):
    _prepared, data = _render(chat, "package")
    pages = pdf.pages(data)
    assert all("草稿 DRAFT" in page for page in pages)


def test_the_approved_version_has_no_draft_watermark(chat, pdf):
    Filing.objects.filter(algorithm=chat).update(
        status=FilingStatus.APPROVED, approved_version=versions.record(chat)
    )
    _prepared, data = _render(chat, "disclosure")
    assert "DRAFT" not in pdf.text(data)
    assert "草稿" not in pdf.text(data)


def test_an_approved_status_alone_does_not_lift_the_draft_mark(chat):
    # A status that stands for no version (or another one) says nothing about this data.
    Filing.objects.filter(algorithm=chat).update(status=FilingStatus.APPROVED)
    prepared = prepare(chat)
    assert "草稿 DRAFT" in render_html(prepared.snapshot, "disclosure", context=prepared.context)
    other = versions.record(chat)
    Algorithm.objects.filter(pk=chat.pk).update(summary="批准之后改过的简介。")
    Filing.objects.filter(algorithm=chat).update(approved_version=other)
    prepared = prepare(chat)
    assert prepared.snapshot_hash != other.digest
    html = render_html(prepared.snapshot, "form", context=prepared.context)
    assert "草稿 DRAFT" in html and "批准之后改过的简介。" in html


def test_preparing_a_document_records_nothing(feed):
    before = SnapshotVersion.objects.count()
    prepare(feed)
    assert SnapshotVersion.objects.count() == before


def test_the_cjk_fonts_are_embedded_and_nothing_is_type_3(feed, pdf):
    _prepared, data = _render(feed, "package")
    fonts = pdf.fonts(data)
    assert fonts
    assert all(font["emb"] == "yes" for font in fonts), fonts
    assert not [font for font in fonts if "Type 3" in font["type"]], fonts
    names = " ".join(font["name"] for font in fonts)
    assert "Noto-Serif-CJK" in names or "NotoSerifCJK" in names
    assert "Noto-Sans-CJK" in names or "NotoSansCJK" in names


def test_the_first_page_is_not_blank(feed, pdf):
    _prepared, data = _render(feed, "report")
    image = pdf.first_page(data).convert("L")
    dark = sum(image.histogram()[:200])
    assert dark > image.width * image.height * 0.01
    assert image.getextrema()[0] < 80  # black text, not only grey rules


def test_the_package_has_a_cover_contents_with_page_numbers_and_bookmarks(feed, pdf):
    _prepared, data = _render(feed, "package")
    pages = pdf.pages(data)
    assert "算法备案材料" in pages[0]
    assert _prepared.snapshot_hash in _flat(pages[0])  # the whole hash on the cover
    contents = pages[1]
    assert "目录" in contents
    entries = {
        title: int(number)
        for title, number in re.findall(r"[一二三四]、(\S+?)\s*\.{3,}\s*(\d+)", contents)
    }
    for title in (
        "算法备案信息表",
        "算法安全自评估报告",
        "拟公示内容",
        "落实算法安全主体责任基本情况",
    ):
        page = entries[title]
        assert title in _flat(pages[page - 1]), (title, page)
    assert entries["算法备案信息表"] < entries["算法安全自评估报告"] < entries["拟公示内容"]
    outline = pdf.outline(data)
    for title in (
        "算法备案信息表",
        "算法安全自评估报告",
        "一、算法情况",
        "拟公示内容",
        "落实算法安全主体责任基本情况",
    ):
        assert title in outline


def test_english_labels_appear_only_when_asked_for(feed, pdf):
    _prepared, plain = _render(feed, "disclosure")
    _prepared, bilingual = _render(feed, "disclosure", bilingual=True)
    assert "Content for Public Disclosure" not in pdf.text(plain)
    text = pdf.text(bilingual)
    assert "Content for Public Disclosure" in text and "Basic principle" in text
    assert "拟公示内容" in text


def test_rendering_reads_no_database_and_gives_the_same_bytes_twice(
    feed, django_assert_num_queries
):
    prepared = prepare(feed)
    with django_assert_num_queries(0):
        first = render(prepared.snapshot, "disclosure", context=prepared.context)
        second = render(prepared.snapshot, "disclosure", context=prepared.context)
    assert first == second


def test_the_report_outline_adapts_to_the_algorithm_type(feed, chat):
    generative = prepare(chat)
    html = render_html(generative.snapshot, "report", context=generative.context)
    assert "（五）结果标识" in html
    push = prepare(feed)
    html = render_html(push.snapshot, "report", context=push.context)
    assert "（五）结果标识" not in html


def test_missing_values_are_shown_as_missing(chat):
    prepared = prepare(chat)
    html = render_html(prepared.snapshot, "report", context=prepared.context)
    assert "（未填写）" in html
    assert "未评估" in html


def test_the_demos_filed_algorithm_renders_as_filed_until_it_is_edited(feed):
    prepared = prepare(feed)
    html = render_html(prepared.snapshot, "form", context=prepared.context)
    assert "草稿 DRAFT" not in html and "网信算备110108823483901240031号" in html
    assert prepared.context["lifecycle"]["final"] is True
    feed.summary = "备案之后改过的简介。"
    feed.save()
    prepared = prepare(feed)
    html = render_html(prepared.snapshot, "form", context=prepared.context)
    assert "草稿 DRAFT" in html and "备案之后改过的简介。" in html
