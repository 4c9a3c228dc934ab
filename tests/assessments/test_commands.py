import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from assessments.models import Answer, Assessment, CatalogueItem
from demo.workspace import load_demo
from filings.models import Algorithm

pytestmark = pytest.mark.django_db

FEED = "示例新闻个性化推荐算法"


def _items(*args) -> list[dict]:
    out = StringIO()
    call_command("assessment_items", *args, stdout=out)
    return json.loads(out.getvalue())


def test_it_prints_the_applicable_items_of_the_demo_feed_as_json(db):
    load_demo()
    items = _items("demo", "--algorithm", FEED, "--json")
    assert all(set(item) == {"id", "area", "status", "basis", "provisional"} for item in items)
    by_id = {item["id"]: item for item in items}
    assert by_id["ARS-17-opt-out"] == {
        "id": "ARS-17-opt-out",
        "area": "user_rights",
        "status": "compliant",
        "basis": [{"regulation": "ARS-2021", "article": 17}],
        "provisional": False,  # 示例新闻 answers every screening question
    }
    # The demo's feed is assessed in full, one item partly met.
    assert all(item["status"] for item in items)
    assert by_id["ARS-19-age-friendly"]["status"] == "partial"
    assert "ARS-18-minors-mode" in by_id  # 示例新闻 is used by minors
    assert not any(item["area"] == "labelling" for item in items)
    standard = by_id["ARS-9-feature-library"]["basis"]
    assert {"regulation": "DS-2022", "article": 10} in standard


def test_a_standard_is_cited_by_clause(db):
    load_demo()
    items = _items("demo", "--algorithm", "示例AI助手生成合成算法", "--json")
    by_id = {item["id"]: item for item in items}
    assert by_id["TC260-9.2-corpus-assessment"]["basis"] == [
        {"regulation": "TC260-003", "clause": "9.2"}
    ]
    assert all(item["status"] is None for item in items)


def test_without_json_it_prints_a_table_and_the_inactive_answers(db, capsys):
    workspace = load_demo()
    dispatch = Algorithm.objects.get(workspace=workspace, name="示例出行智能派单算法")
    assessment = Assessment.objects.create(workspace=workspace, algorithm=dispatch)
    Answer.objects.create(
        workspace=workspace, assessment=assessment, item="ARS-17-opt-out", status="compliant"
    )
    call_command("assessment_items", "demo", "--algorithm", dispatch.name)
    table, inactive = capsys.readouterr().out.split("no longer apply")
    assert "ARS-20-order-allocation" in table and "ARS-2021 Art. 20" in table
    assert "ARS-17-opt-out" not in table
    assert "ARS-17-opt-out" in inactive and "compliant" in inactive


def test_an_unknown_workspace_is_an_error(db):
    with pytest.raises(CommandError, match="No workspace with short name “nowhere”"):
        call_command("assessment_items", "nowhere", "--algorithm", FEED, "--json")


def test_an_unknown_algorithm_is_an_error(db):
    load_demo()
    with pytest.raises(CommandError, match="has no algorithm named “无此算法”"):
        call_command("assessment_items", "demo", "--algorithm", "无此算法", "--json")


def test_load_catalogue_reports_what_it_did(db, capsys):
    call_command("load_catalogue")
    assert "created" in capsys.readouterr().out
    call_command("load_catalogue")
    assert "0 created, 0 updated" in capsys.readouterr().out


def test_load_catalogue_lists_the_problems_of_a_bad_file(db, tmp_path):
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps({"version": "1"}), encoding="utf-8")
    with pytest.raises(CommandError, match="missing key “items”"):
        call_command("load_catalogue", str(path))
    assert not CatalogueItem.objects.exists()
