"""`manage.py render_filing` renders through the same code as the worker."""

import pytest
from django.core.management import CommandError, call_command

from documents.models import DocumentJob

pytestmark = pytest.mark.django_db


def test_it_writes_the_pdf_of_a_document(demo, feed, tmp_path, pdf, capsys):
    out = tmp_path / "out" / "report.pdf"
    call_command("render_filing", demo.slug, algorithm=feed.name, document="report", out=str(out))
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    assert "算法安全自评估报告" in pdf.text(data)
    assert "snapshot" in capsys.readouterr().out
    assert list(out.parent.iterdir()) == [out]  # no temporary file left
    assert not DocumentJob.objects.exists()  # nothing recorded


def test_it_writes_the_package_with_english_labels(demo, feed, tmp_path, pdf):
    out = tmp_path / "package.pdf"
    call_command(
        "render_filing",
        demo.slug,
        "--algorithm",
        feed.name,
        "--document",
        "package",
        "--out",
        str(out),
        "--bilingual",
    )
    text = pdf.text(out.read_bytes())
    assert "目录" in text and "Algorithm Security Self-Assessment Report" in text


def test_it_names_what_exists_when_the_algorithm_is_unknown(demo, tmp_path):
    with pytest.raises(CommandError, match="示例新闻个性化推荐算法"):
        call_command(
            "render_filing",
            demo.slug,
            algorithm="没有这个算法",
            document="form",
            out=str(tmp_path / "x.pdf"),
        )
    with pytest.raises(CommandError, match="No workspace"):
        call_command(
            "render_filing", "nowhere", algorithm="x", document="form", out=str(tmp_path / "x.pdf")
        )
    assert not (tmp_path / "x.pdf").exists()
