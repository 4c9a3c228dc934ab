import copy
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from demo.workspace import load_demo
from filings import interchange, snapshot
from filings.management.commands.interchange_schema import SCHEMA_FILE, schema_text
from filings.models import Algorithm, Provider
from tests.factories import MembershipFactory, WorkspaceFactory
from workspaces.models import Role, Workspace

pytestmark = pytest.mark.django_db


def _strip(document: dict) -> dict:
    document = copy.deepcopy(document)
    document.pop("exported_at")
    return document


@pytest.fixture
def demo_document():
    return interchange.export_workspace(load_demo())


def _refused(document, workspace=None, **kwargs) -> list[interchange.Problem]:
    workspace = workspace or Workspace(slug="target", name="目标")
    with pytest.raises(interchange.ImportRefused) as info:
        interchange.import_document(document, workspace=workspace, **kwargs)
    return info.value.problems


def _pointers(problems) -> set[str]:
    return {p.pointer for p in problems}


class TestRoundTrip:
    def test_the_demo_workspace_round_trips_exactly(self, demo_document):
        target = Workspace(slug="copy", name=demo_document["workspace"]["name"])
        interchange.import_document(json.loads(interchange.dumps(demo_document)), workspace=target)
        assert _strip(interchange.export_workspace(target)) == _strip(demo_document)

    def test_the_commands_round_trip_too(self, demo_document, tmp_path):
        first, second = tmp_path / "a.json", tmp_path / "b.json"
        call_command("export_workspace", "demo", "-o", str(first))
        call_command("import_workspace", str(first), "--into", "fresh")
        call_command("export_workspace", "fresh", "-o", str(second))
        a, b = (json.loads(p.read_text(encoding="utf-8")) for p in (first, second))
        assert _strip(a) == _strip(b)

    def test_the_export_validates_against_the_schema(self, demo_document):
        from jsonschema import Draft202012Validator

        assert (
            list(Draft202012Validator(interchange.json_schema()).iter_errors(demo_document)) == []
        )

    def test_the_committed_schema_file_is_up_to_date(self):
        assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text()

    def test_equal_data_gives_equal_canonical_bytes(self, demo_document):
        reordered = json.loads(json.dumps(demo_document, sort_keys=True))
        assert snapshot.canonical_json(reordered) == snapshot.canonical_json(demo_document)
        reordered["providers"][0]["name"] += "。"
        assert snapshot.canonical_json(reordered) != snapshot.canonical_json(demo_document)

    def test_product_additions_under_x_are_accepted(self, demo_document):
        demo_document["x"] = {"tool": "spreadsheet"}
        demo_document["providers"][0]["x"] = {"row": 3}
        demo_document["providers"][0]["algorithms"][0]["disclosure"]["x"] = {}
        interchange.import_document(demo_document, workspace=Workspace(slug="x", name="x"))


class TestBadInput:
    def test_malformed_json_names_line_and_column(self):
        with pytest.raises(interchange.ImportRefused) as info:
            interchange.parse(
                b'{"format": "suanbei.workspace/1",\n "providers": [}', max_bytes=10_000
            )
        assert "line 2" in info.value.problems[0].message

    def test_another_format_version_is_refused(self):
        with pytest.raises(interchange.ImportRefused) as info:
            interchange.parse(
                b'{"format": "suanbei.workspace/2", "providers": []}', max_bytes=10_000
            )
        assert info.value.problems[0].pointer == "/format"
        assert "suanbei.workspace/2" in info.value.problems[0].message

    def test_a_file_over_the_limit_is_refused(self):
        with pytest.raises(interchange.ImportRefused) as info:
            interchange.parse(b" " * 2048, max_bytes=1024)
        assert "limit" in info.value.problems[0].message

    def test_json_nested_10000_levels_deep_is_refused(self):
        deep = b'{"format": "suanbei.workspace/1", "x": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"
        with pytest.raises(interchange.ImportRefused) as info:
            interchange.parse(deep, max_bytes=10_000_000)
        assert "nested too deeply" in info.value.problems[0].message

    def test_non_utf8_is_refused(self):
        with pytest.raises(interchange.ImportRefused):
            interchange.parse('{"format": "算备"}'.encode("gbk"), max_bytes=10_000)

    def test_unknown_keys_are_errors_with_their_pointer(self, demo_document):
        demo_document["providers"][0]["algorithms"][1]["colour"] = "red"
        demo_document["providers"][0]["security_officer"]["wechat"] = "li4"
        problems = _refused(demo_document)
        assert {
            "/providers/0/algorithms/1/colour",
            "/providers/0/security_officer/wechat",
        } <= _pointers(problems)

    def test_wrong_types_and_unknown_codes_are_errors(self, demo_document):
        algorithm = demo_document["providers"][0]["algorithms"][0]
        algorithm["generative_ai_service"] = "yes"
        algorithm["type"] = "magic"
        demo_document["providers"][0]["mau"] = "lots"
        demo_document["providers"][0]["services"][0]["launch_date"] = "2024/03/01"
        problems = _refused(demo_document)
        assert {
            "/providers/0/algorithms/0/generative_ai_service",
            "/providers/0/algorithms/0/type",
            "/providers/0/mau",
            "/providers/0/services/0/launch_date",
        } <= _pointers(problems)

    def test_a_dangling_service_key_is_an_error(self, demo_document):
        demo_document["providers"][0]["algorithms"][0]["deployments"][0]["service"] = "s99"
        problems = _refused(demo_document)
        assert _pointers(problems) == {"/providers/0/algorithms/0/deployments/0/service"}
        assert "s99" in problems[0].message

    def test_invalid_identifiers_are_each_reported(self, demo_document):
        provider = demo_document["providers"][0]
        provider["uscc"] = "91110108MA01ABCD1F"
        provider["legal_representative"]["id_number"] = "110105194912310021"
        provider["security_officer"]["mobile"] = "1380013800"
        provider["algorithms"][3]["third_party_models"][0]["filing_number"] = "网信算备123号"
        provider["algorithms"][0]["filings"][0]["filing_number"] = "备案123"
        problems = _refused(demo_document)
        assert _pointers(problems) == {
            "/providers/0/uscc",
            "/providers/0/legal_representative/id_number",
            "/providers/0/security_officer/mobile",
            "/providers/0/algorithms/3/third_party_models/0/filing_number",
            "/providers/0/algorithms/0/filings/0/filing_number",
        }

    def test_duplicate_names_in_the_file_are_errors(self, demo_document):
        algorithms = demo_document["providers"][0]["algorithms"]
        algorithms[1]["name"] = algorithms[0]["name"]
        assert "/providers/0/algorithms/1/name" in _pointers(_refused(demo_document))

    def test_nothing_is_written_when_any_value_is_invalid(self, demo_document):
        before = (Provider.objects.count(), Algorithm.objects.count(), Workspace.objects.count())
        demo_document["providers"][0]["algorithms"][4]["deployments"] = [
            {"service": "s1", "function_description": "字" * 501}
        ]
        problems = _refused(demo_document)
        assert _pointers(problems) == {
            "/providers/0/algorithms/4/deployments/0/function_description"
        }
        assert (
            Provider.objects.count(),
            Algorithm.objects.count(),
            Workspace.objects.count(),
        ) == before


class TestMerge:
    def test_a_workspace_with_data_refuses_without_merge(self, demo_document):
        problems = _refused(demo_document, workspace=Workspace.objects.get(slug="demo"))
        assert "already has data" in problems[0].message

    def test_merge_by_name_updates_and_adds(self, demo_document):
        demo = Workspace.objects.get(slug="demo")
        algorithms = demo_document["providers"][0]["algorithms"]
        algorithms[0]["summary"] = "合并后的简介"
        algorithms.append({"key": "a9", "name": "新增的排序算法", "type": "ranking_selection"})
        result = interchange.import_document(demo_document, workspace=demo, merge=True)
        assert Provider.objects.filter(workspace=demo).count() == 1
        assert Algorithm.objects.filter(workspace=demo).count() == 6
        assert (
            Algorithm.objects.get(workspace=demo, name="示例新闻个性化推荐算法").summary
            == "合并后的简介"
        )
        assert result.updated["algorithm"] == 5 and result.created["algorithm"] == 1
        again = interchange.export_workspace(demo)
        assert (
            _strip(again)["providers"][0]["algorithms"][:5]
            == _strip(demo_document)["providers"][0]["algorithms"][:5]
        )


class TestCommands:
    def test_import_failure_exits_1_and_lists_problems(self, demo_document, tmp_path, capsys):
        demo_document["providers"][0]["uscc"] = "bad"
        path = tmp_path / "bad.json"
        path.write_text(json.dumps(demo_document, ensure_ascii=False), encoding="utf-8")
        with pytest.raises(CommandError):
            call_command("import_workspace", str(path), "--into", "fresh")
        assert "/providers/0/uscc" in capsys.readouterr().err
        assert not Workspace.objects.filter(slug="fresh").exists()

    def test_a_50_mb_file_is_refused_before_it_is_read(self, tmp_path):
        path = tmp_path / "huge.json"
        with path.open("wb") as handle:
            handle.truncate(50 * 1024 * 1024)
        with pytest.raises(CommandError, match="limit"):
            call_command("import_workspace", str(path), "--into", "fresh")
        assert not Workspace.objects.filter(slug="fresh").exists()

    def test_export_of_an_unknown_workspace_fails(self):
        with pytest.raises(CommandError):
            call_command("export_workspace", "nope")


class TestPages:
    @pytest.fixture
    def demo(self):
        return load_demo()

    def test_export_downloads_the_document(self, client, demo):
        client.force_login(demo.memberships.get(role="owner").user)
        response = client.get(reverse("filings:export", args=["demo"]))
        assert response.status_code == 200
        assert "attachment" in response["Content-Disposition"]
        assert _strip(json.loads(response.content)) == _strip(interchange.export_workspace(demo))

    def test_viewers_may_not_export(self, client, demo, member_factory):
        client.force_login(member_factory(demo, Role.VIEWER))
        assert client.get(reverse("filings:export", args=["demo"])).status_code == 403

    def test_export_and_import_of_another_workspace_are_404(self, client, demo):
        client.force_login(MembershipFactory(workspace=WorkspaceFactory()).user)
        assert client.get(reverse("filings:export", args=["demo"])).status_code == 404
        assert client.get(reverse("filings:import", args=["demo"])).status_code == 404

    def _upload(self, document) -> SimpleUploadedFile:
        return SimpleUploadedFile(
            "ws.json", json.dumps(document, ensure_ascii=False).encode(), "application/json"
        )

    def test_import_into_an_empty_workspace(self, client, demo, member_factory):
        document = interchange.export_workspace(demo)
        empty = WorkspaceFactory(slug="empty")
        client.force_login(member_factory(empty, Role.EDITOR))
        page = client.get(reverse("filings:import", args=["empty"]))
        assert "mode" not in page.context["form"].fields
        response = client.post(
            reverse("filings:import", args=["empty"]), {"file": self._upload(document)}
        )
        assert response.status_code == 302
        assert Algorithm.objects.filter(workspace=empty).count() == 5

    def test_import_into_a_workspace_with_data_asks_merge_or_refuse(self, client, demo):
        client.force_login(demo.memberships.get(role="owner").user)
        url = reverse("filings:import", args=["demo"])
        document = interchange.export_workspace(demo)
        response = client.post(url, {"file": self._upload(document)}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400 and "mode" in response.context["form"].errors
        response = client.post(
            url, {"file": self._upload(document), "mode": "refuse"}, HTTP_ACCEPT_LANGUAGE="en"
        )
        assert response.status_code == 400 and "nothing imported" in response.content.decode()
        response = client.post(url, {"file": self._upload(document), "mode": "merge"})
        assert response.status_code == 302
        assert Algorithm.objects.filter(workspace=demo).count() == 5

    def test_import_problems_are_listed_with_pointers(self, client, demo, member_factory):
        document = interchange.export_workspace(demo)
        document["providers"][0]["uscc"] = "91110108MA01ABCD1F"
        empty = WorkspaceFactory(slug="empty")
        client.force_login(member_factory(empty, Role.OWNER))
        response = client.post(
            reverse("filings:import", args=["empty"]), {"file": self._upload(document)}
        )
        assert response.status_code == 400
        assert "/providers/0/uscc" in response.content.decode()
        assert not Provider.objects.filter(workspace=empty).exists()

    def test_a_50_mb_upload_is_refused(self, client, member_factory):
        empty = WorkspaceFactory(slug="empty")
        client.force_login(member_factory(empty, Role.OWNER))
        huge = SimpleUploadedFile("huge.json", b" " * (50 * 1024 * 1024), "application/json")
        response = client.post(
            reverse("filings:import", args=["empty"]), {"file": huge}, HTTP_ACCEPT_LANGUAGE="en"
        )
        assert response.status_code == 400 and "limit" in response.content.decode()

    @pytest.mark.parametrize("role", [Role.VIEWER, Role.REVIEWER])
    def test_read_only_roles_may_not_import(self, client, demo, member_factory, role):
        client.force_login(member_factory(demo, role))
        assert client.get(reverse("filings:import", args=["demo"])).status_code == 403

    def test_the_schema_is_served(self, client):
        response = client.get(reverse("interchange-schema"))
        assert response.status_code == 200
        assert response.json()["properties"]["format"] == {"const": "suanbei.workspace/1"}


def test_an_export_download_is_in_the_audit_log(client):
    from workspaces.models import AuditLog

    workspace = load_demo()
    client.force_login(workspace.memberships.get(role="owner").user)
    client.get(reverse("filings:export", args=["demo"]))
    entry = AuditLog.objects.get()
    assert entry.object_type == "provider" and "officer_mobile" in entry.fields


def test_the_export_lists_the_catalogue_items_answered_with_their_basis():
    from assessments.catalogue import ensure_loaded

    ensure_loaded()
    document = interchange.export_workspace(load_demo())
    listing = document["x"]["catalogue"]
    # Every item the demo's assessments answer, once, sorted by id.
    answered = {
        answer["item"]
        for algorithm in document["providers"][0]["algorithms"]
        for answer in (algorithm.get("assessment") or {}).get("answers", [])
    }
    assert [entry["id"] for entry in listing] == sorted(answered)
    assert {
        "id": "ARS-17-opt-out",
        "area": "user_rights",
        "basis": [{"regulation": "ARS-2021", "article": 17}],
    } in listing
    # The listing is regenerated on export, so the round trip stays exact.
    target = Workspace(slug="copy", name=document["workspace"]["name"])
    interchange.import_document(json.loads(interchange.dumps(document)), workspace=target)
    assert interchange.export_workspace(target)["x"] == document["x"]
