"""The CAC's generative-AI lists: import, look-up, and the note beside the field."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from filings.choices import ModelSource
from registry.genai import GenAIImportError, describe_gai_number, import_genai
from registry.lookup import describe_third_party_number
from registry.models import GenAIRecord
from tests.conftest import shared_path
from tests.factories import AlgorithmFactory, ProviderFactory, ThirdPartyModelFactory

pytestmark = pytest.mark.django_db

SMALL = {
    "batches": [
        {
            "period": "2024-04",
            "page": "https://www.cac.gov.cn/2024-04/02/c_1713729983803145.htm",
            "rows": [
                {
                    "序号": "1",
                    "属地": "北京市",
                    "模型名称": "星辰大模型",
                    "备案单位": "北京星辰科技有限公司",
                    "备案号": "Beijing-XingChen-202404280001",
                    "备案时间": "2024/4/28",
                    "_kind": "备案",
                },
                # A repeated header line of the 登记 table, as the published data has.
                {
                    "序号": "序号",
                    "属地": "属地",
                    "模型名称": "应用/功能名称",
                    "备案单位": "登记单位",
                    "备案号": "上线编号",
                    "备案时间": "登记时间",
                    "_kind": "备案",
                },
                {
                    "序号": "1",
                    "属地": "北京市",
                    "模型名称": "边影助手",
                    "备案单位": "北京边影科技有限公司",
                    "备案号": "Beijing-BianYing-20240428S0001",
                    "备案时间": "2024/4/30",
                    "_kind": "备案",  # a swapped column: the S in the number decides
                },
            ],
        },
        {
            "period": "2025-03",
            "rows": [
                {
                    "序号": "2",
                    "属地": "浙江省",
                    "大模型名称": "通义",
                    "备案单位": "杭州示例科技有限公司",
                    "备案编号": "ZheJiang-TongYi-202503010002",
                    "备案时间": "2025/3/1",
                    "_kind": "备案",
                }
            ],
        },
    ]
}


def _file(document=SMALL):
    return io.BytesIO(json.dumps(document, ensure_ascii=False).encode())


def test_it_imports_both_kinds_skipping_header_lines():
    result = import_genai(_file())
    assert (result.rows_total, result.beian, result.dengji) == (3, 2, 1)
    assert result.latest_batch == "2025-03"
    dengji = GenAIRecord.objects.get(number="Beijing-BianYing-20240428S0001")
    assert (dengji.kind, dengji.holder, dengji.filed_on.isoformat()) == (
        "登记",
        "北京边影科技有限公司",
        "2024-04-30",
    )
    assert GenAIRecord.objects.get(number="ZheJiang-TongYi-202503010002").name == "通义"


def test_importing_again_replaces_and_duplicates_nothing():
    import_genai(_file())
    import_genai(_file())
    assert GenAIRecord.objects.count() == 3


def test_a_bad_file_writes_nothing():
    import_genai(_file())
    with pytest.raises(GenAIImportError):
        import_genai(io.BytesIO(b"{not json"))
    with pytest.raises(GenAIImportError):
        import_genai(_file({"batches": [{"period": "2024-04", "rows": []}]}))
    with pytest.raises(GenAIImportError):
        import_genai(_file({"rows": []}))
    assert GenAIRecord.objects.count() == 3


@pytest.mark.parametrize(
    ("number", "status"),
    [
        ("Beijing-XingChen-202404280001", "found"),
        ("zhejiang-tongyi-202503010002", "found"),  # province tokens vary in case
        ("Beijing-XingChen-202404280002", "absent"),
        ("网信算备110108823483901230031号", "malformed"),
    ],
)
def test_lookup(number, status):
    import_genai(_file())
    answer = describe_gai_number(number)
    assert answer["status"] == status
    assert (answer["record"] is not None) == (status == "found")
    assert answer["latest_batch"] == "2025-03"


def test_without_lists_there_is_nothing_to_compare_with():
    assert describe_gai_number("Beijing-XingChen-202404280001")["status"] == "not_loaded"
    assert describe_third_party_number.gai("Beijing-X-202404280001")["status"] == "not_loaded"


def test_the_command(tmp_path):
    path = tmp_path / "genai.json"
    path.write_text(json.dumps(SMALL, ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    call_command("import_genai_filings", str(path), stdout=out)
    assert "3" in out.getvalue() and "2025-03" in out.getvalue()
    bad = tmp_path / "bad.json"
    bad.write_text("[]", encoding="utf-8")
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_genai_filings", str(bad))
    assert GenAIRecord.objects.count() == 3


def test_the_wizard_shows_holder_and_date_beside_the_number(client, owner, workspace):
    import_genai(_file())
    algorithm = AlgorithmFactory(
        provider=ProviderFactory(workspace=workspace),
        type="generation_synthesis",
        generative_ai_service=True,
        model_source=ModelSource.API_UNCHANGED,
    )
    ThirdPartyModelFactory(algorithm=algorithm, gai_number="Beijing-BianYing-20240428S0001")
    client.force_login(owner)
    body = client.get(
        reverse("filings:wizard-checks", args=[workspace.slug, algorithm.pk, "detail"]),
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert "北京边影科技有限公司" in body and "2024/4/30" in body and "登记" in body


@pytest.mark.shared
def test_the_published_lists_of_shared_import_and_look_up():
    path = shared_path("data", "cac", "genai-filings.json")
    result = import_genai(path)
    document = json.loads(path.read_text(encoding="utf-8"))
    rows = [
        r
        for b in document["batches"]
        for r in b["rows"]
        if str(r.get("序号", "")).strip().isdigit()
    ]
    assert result.rows_total == len(rows) > 1800
    assert result.latest_batch == "2026-08"
    found = describe_gai_number("Beijing-WenXinYiYan-20230821")
    assert found["status"] == "found" and found["record"].holder == "北京百度网讯科技有限公司"
    assert describe_gai_number("Beijing-Nonexistent-202404280001")["status"] == "absent"
