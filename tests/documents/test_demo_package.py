"""The demo's complete algorithm (the filed news feed) as the CAC receives it:
one package with the materials contents page, the 承诺书 and the 工作证明,
the flowchart and an evidence screenshot drawn as images, and a declarative
report under the template's headings that carries every answered item's
measures (issue 12, "Done when")."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from demo.workspace import load_demo
from documents.render import render
from documents.services import prepare
from filings.models import Algorithm

pytestmark = pytest.mark.django_db

FEED = "示例新闻个性化推荐算法"
HEADINGS = ("风险防范机制", "用户权益保护", "内容生态治理", "模型安全保障", "数据安全防护")


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture
def package(tmp_path):
    from assessments.catalogue import ensure_loaded

    ensure_loaded()
    load_demo()
    feed = Algorithm.objects.get(name=FEED)
    prepared = prepare(feed)
    data = render(
        prepared.snapshot,
        "package",
        context=prepared.context,
        fetcher=prepared.fetcher(feed.workspace_id),
    )
    path = tmp_path / "package.pdf"
    path.write_bytes(data)
    return feed, path


def _tool(name: str) -> str:
    tool = shutil.which(name)
    if tool is None:
        pytest.fail(f"{name} is missing: install Debian's poppler-utils")
    return tool


def test_the_demo_package_holds_every_generated_material(package):
    _feed, path = package
    text = subprocess.run(
        [_tool("pdftotext"), "-enc", "UTF-8", "-raw", str(path), "-"],
        capture_output=True,
        check=True,
    ).stdout.decode()
    flat = _flat(text)
    for title in ("材料清单", "算法备案信息表", "算法安全自评估报告", "拟公示内容"):
        assert title in flat, title
    for title in ("算法备案承诺书", "算法安全责任人工作证明", "落实算法安全主体责任基本情况"):
        assert title in flat, title
    for heading in HEADINGS:
        assert heading in flat, heading
    # A report a filer signs: statements, not questions.
    report = flat[flat.index("四、风险防控情况") : flat.index("五、")]
    assert "是否" not in report and "？" not in report


def test_every_answered_items_measures_reach_the_demo_package(package):
    feed, path = package
    flat = _flat(
        subprocess.run(
            [_tool("pdftotext"), "-enc", "UTF-8", "-raw", str(path), "-"],
            capture_output=True,
            check=True,
        ).stdout.decode()
    )
    answers = list(feed.assessment.answers.exclude(measures=""))
    assert len(answers) >= 20  # the demo's feed is fully assessed
    missing = [a.item for a in answers if _flat(a.measures) not in flat]
    assert not missing, missing


def test_the_flowchart_and_the_evidence_screenshot_are_drawn(package):
    feed, path = package
    listing = subprocess.run(
        [_tool("pdfimages"), "-list", str(path)], capture_output=True, check=True
    ).stdout.decode()
    sizes = {tuple(line.split()[3:5]) for line in listing.splitlines()[2:] if line.strip()}
    flowchart = feed.attachments.get(slot="flowchart")
    evidence = feed.attachments.get(slot="screenshot", assessment_item="ARS-17-opt-out")
    from PIL import Image

    for attachment in (flowchart, evidence):
        with attachment.file.open("rb") as handle:
            width, height = Image.open(handle).size
        assert (str(width), str(height)) in sizes, (attachment.original_name, sizes)
