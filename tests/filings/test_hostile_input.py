"""Hostile input gets a clear message, never a 500 or a traceback (issue 10, item 6).

Import: what JSON allows but the format cannot hold is refused with its JSON
Pointer. Codes: full-width digits and spaces are normalised in forms and import
alike. Text for the CAC: NUL and bidirectional controls are refused. Uploads:
the stored and downloaded name takes the extension of the sniffed type.
"""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from filings import interchange
from filings.attachments import attachment_create
from filings.choices import AttachmentSlot
from filings.models import Attachment, Filing, Provider, ThirdPartyModel
from filings.wizard import _storable
from filings.wizard_forms import AlgorithmBasicForm, ProviderForm, ThirdPartyModelForm
from registry.lookup import describe_third_party_number
from reviews.forms import FiledForm
from tests.factories import AlgorithmFactory, ProviderFactory
from tests.filings.test_attachments import PNG
from workspaces.models import Role, Workspace

pytestmark = pytest.mark.django_db

FILING_NUMBER = "网信算备110108823483901230031号"
FULL_WIDTH_FILING_NUMBER = "网信算备１１０１０８８２３４８３９０１２３００３１号"
HEAD = '{"format": "suanbei.workspace/1", "providers": [{"key": "p1", '


def _doc(provider_tail: str) -> bytes:
    """A document whose first provider ends with `provider_tail` (raw JSON text)."""
    return (HEAD + provider_tail + "}]}").encode()


def _parse_problems(raw: bytes) -> list[interchange.Problem]:
    with pytest.raises(interchange.ImportRefused) as info:
        interchange.parse(raw, max_bytes=10_000_000)
    problems = info.value.problems
    for problem in problems:  # every message can be shown on a UTF-8 page and a terminal
        (problem.pointer + problem.message).encode("utf-8")
    return problems


HOSTILE = {
    # name: (raw document, pointer, words of the message)
    "integer over 4,300 digits": (_doc('"mau": ' + "9" * 5000), "/providers/0/mau", "5000 digits"),
    "lone surrogate": (_doc(r'"name": "北京\ud800科技"'), "/providers/0/name", r"\ud800"),
    "NUL in a string": (_doc(r'"name": "北京\u0000科技"'), "/providers/0/name", "NUL"),
    "NUL deep under x": (
        _doc(r'"x": {"tool": [{"note": "a\u0000"}]}'),
        "/providers/0/x/tool/0/note",
        "NUL",
    ),
    "repeated key": (
        _doc('"name": "甲公司", "name": "乙公司"'),
        "/providers/0/name",
        "more than once",
    ),
    "NaN": (_doc('"mau": NaN'), "/providers/0/mau", "NaN"),
    "1e999": (_doc('"mau": 1e999'), "/providers/0/mau", "1e999"),
    "nested 200 levels under x": (
        _doc('"x": {"deep": ' + "[" * 200 + "]" * 200 + "}"),
        "/providers/0/x/deep" + "/0" * 60,  # 64 levels
        "nested too deeply",
    ),
}


class TestParse:
    @pytest.mark.parametrize("name", HOSTILE)
    def test_each_hostile_value_is_refused_with_its_pointer(self, name):
        raw, pointer, words = HOSTILE[name]
        problems = _parse_problems(raw)
        assert [p.pointer for p in problems] == [pointer]
        assert words in problems[0].message

    def test_a_bad_key_is_reported_on_its_object_and_shown_escaped(self):
        problems = _parse_problems(_doc(r'"x": {"bad\ud800key": 1, "nul\u0000": 2}'))
        assert [p.pointer for p in problems] == ["/providers/0/x", "/providers/0/x"]
        assert r"bad\ud800key" in problems[0].message
        assert r"nul\u0000" in problems[1].message

    def test_a_repeated_key_is_reported_once_with_the_pointer_of_the_key(self):
        problems = _parse_problems(
            b'{"format": "suanbei.workspace/1", "providers": [], "providers": [], "providers": []}'
        )
        assert [p.pointer for p in problems] == ["/providers"]

    def test_the_list_of_problems_is_capped(self):
        names = ", ".join(rf'"k{i}": "\u0000"' for i in range(500))
        problems = _parse_problems(_doc('"x": {' + names + "}"))
        assert len(problems) == interchange.MAX_VALUE_PROBLEMS + 1
        assert problems[-1].pointer == ""

    def test_invalid_utf8_names_the_line(self):
        problems = _parse_problems(b'{"format": "suanbei.workspace/1",\n"x": "\xff"}')
        assert "line 2" in problems[0].message

    def test_a_byte_order_mark_is_accepted(self):
        document = interchange.parse(
            b'\xef\xbb\xbf{"format": "suanbei.workspace/1", "providers": []}', max_bytes=1000
        )
        assert document["providers"] == []

    def test_a_valid_document_parses_to_plain_values(self):
        raw = _doc(
            '"name": "北京😀科技", "mau": 12, "x": {"ratio": 0.5, "big": 123456789012345678901}'
        )
        document = interchange.parse(raw, max_bytes=10_000)
        assert document["providers"][0]["name"] == "北京😀科技"
        assert document["providers"][0]["x"] == {"ratio": 0.5, "big": 123456789012345678901}

    def test_an_impossible_date_is_refused_with_its_pointer(self):
        document = json.loads(_doc('"name": "甲", "certificate": {"valid_until": "2024-02-30"}'))
        with pytest.raises(interchange.ImportRefused) as info:
            interchange.import_document(document, workspace=Workspace(slug="t", name="t"))
        problems = info.value.problems
        assert [p.pointer for p in problems] == ["/providers/0/certificate/valid_until"]
        assert "YYYY-MM-DD" in problems[0].message

    def test_a_number_too_big_for_the_column_is_refused_with_its_pointer(self):
        document = json.loads(_doc('"name": "甲", "mau": ' + "9" * 30))
        with pytest.raises(interchange.ImportRefused) as info:
            interchange.import_document(document, workspace=Workspace(slug="t", name="t"))
        assert [p.pointer for p in info.value.problems] == ["/providers/0/mau"]


class TestImportPage:
    @pytest.mark.parametrize("name", [*HOSTILE, "invalid UTF-8", "10,000 levels"])
    def test_the_page_lists_the_problem_and_answers_400(self, client, workspace, owner, name):
        if name == "invalid UTF-8":
            raw, pointer = b'{"format": "suanbei.workspace/1", "x": "\xc3\x28"}', None
        elif name == "10,000 levels":
            raw, pointer = b'{"x": ' + b"[" * 10_000 + b"]" * 10_000 + b"}", None
        else:
            raw, pointer, _words = HOSTILE[name]
        client.force_login(owner)
        response = client.post(
            reverse("filings:import", args=[workspace.slug]),
            {"file": SimpleUploadedFile("ws.json", raw, "application/json")},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        assert response.status_code == 400
        page = response.content.decode()
        assert "Traceback" not in page
        if pointer:
            assert pointer in page
        assert not Provider.objects.filter(workspace=workspace).exists()

    def test_the_message_is_in_chinese(self, client, workspace, owner):
        client.force_login(owner)
        response = client.post(
            reverse("filings:import", args=[workspace.slug]),
            {"file": SimpleUploadedFile("ws.json", HOSTILE["NUL in a string"][0])},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        assert "空字符" in response.content.decode()

    def test_the_command_lists_the_problem_and_fails(self, tmp_path, capsys):
        path = tmp_path / "ws.json"
        path.write_bytes(HOSTILE["repeated key"][0])
        with pytest.raises(CommandError):
            call_command("import_workspace", str(path), "--into", "target")
        assert "/providers/0/name:" in capsys.readouterr().err


class TestCodesAreNormalised:
    def test_a_full_width_filing_number_is_stored_half_width_by_the_form(self):
        algorithm = AlgorithmFactory()
        model = ThirdPartyModel(workspace=algorithm.workspace, algorithm=algorithm)
        form = ThirdPartyModelForm(
            {"name": "模型", "filing_number": FULL_WIDTH_FILING_NUMBER}, instance=model
        )
        assert form.is_valid(), form.errors
        form.save()
        assert ThirdPartyModel.objects.get().filing_number == FILING_NUMBER

    def test_codes_typed_with_spaces_and_full_width_pass_the_provider_form(self):
        provider = ProviderFactory()
        form = ProviderForm(
            {
                "uscc": "9111 0108 ＭＡ01 ABCD 1E",
                "region_code": "１１０１０８",
                "officer_mobile": "138 0013 8000",
                "legal_rep_id_type": "resident_id",
                "legal_rep_id_number": "１１０１０５ １９４９１２３１ ００２Ｘ",
            },
            instance=provider,
        )
        assert form.is_valid(), form.errors
        provider = form.save()
        provider.refresh_from_db()
        assert provider.uscc == "91110108MA01ABCD1E"
        assert provider.region_code == "110108"
        assert provider.officer_mobile == "13800138000"
        assert provider.legal_rep_id_number == "11010519491231002X"
        # The browser does not cut a number pasted with spaces.
        assert "maxlength" not in str(form["uscc"])

    def test_the_import_stores_codes_half_width(self):
        document = json.loads(
            _doc(
                '"name": "甲", "uscc": "９１１１０１０８ＭＡ０１ＡＢＣＤ１Ｅ", '
                '"security_officer": {"mobile": "138 0013 8000"}, '
                '"algorithms": [{"key": "a1", "name": "甲算法", '
                '"third_party_models": [{"filing_number": "' + FULL_WIDTH_FILING_NUMBER + '"}], '
                '"filings": [{"kind": "initial", "filing_number": "网信算备 110108 823483901230031 号"}]}]'
            )
        )
        interchange.import_document(document, workspace=Workspace(slug="t", name="t"))
        provider = Provider.objects.get()
        assert provider.uscc == "91110108MA01ABCD1E"
        assert provider.officer_mobile == "13800138000"
        assert ThirdPartyModel.objects.get().filing_number == FILING_NUMBER
        assert Filing.objects.get().filing_number == FILING_NUMBER

    def test_the_filed_form_and_the_registry_lookup_read_full_width(self):
        form = FiledForm({"filing_number": FULL_WIDTH_FILING_NUMBER, "filed_on": "2024-03-01"})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["filing_number"] == FILING_NUMBER
        assert describe_third_party_number(FULL_WIDTH_FILING_NUMBER)["status"] != "malformed"

    def test_a_wrong_code_is_still_refused_after_normalisation(self):
        algorithm = AlgorithmFactory()
        model = ThirdPartyModel(workspace=algorithm.workspace, algorithm=algorithm)
        form = ThirdPartyModelForm({"filing_number": "网信算备１２３号"}, instance=model)
        assert not form.is_valid()
        assert "filing_number" in form.errors


class TestTextForTheCac:
    @pytest.mark.parametrize("control", ["\u202a", "\u202e", "\u2066", "\u2069"])
    def test_the_form_refuses_bidi_controls(self, control):
        form = ProviderForm({"name": f"北京{control}示例"}, instance=ProviderFactory())
        assert not form.is_valid()
        assert "direction" in form.errors["name"][0]
        assert f"U+{ord(control):04X}" in form.errors["name"][0]

    def test_the_form_refuses_nul_and_bidi_in_list_fields(self):
        algorithm = AlgorithmFactory()
        for value in ["新闻\x00门户", "新闻、\u202e门户"]:
            form = AlgorithmBasicForm({"application_domains": value}, instance=algorithm)
            assert not form.is_valid()
            assert "application_domains" in form.errors

    def test_the_import_refuses_bidi_controls_with_the_pointer(self):
        document = json.loads(
            _doc(
                '"name": "甲", "algorithms": [{"key": "a1", "name": "甲算法", '
                '"application_domains": ["新闻\\u2067门户"], '
                '"disclosure": {"purpose": "应用于\\u202e场景"}}]'
            )
        )
        with pytest.raises(interchange.ImportRefused) as info:
            interchange.import_document(document, workspace=Workspace(slug="t", name="t"))
        assert {p.pointer for p in info.value.problems} == {
            "/providers/0/algorithms/0/application_domains",
            "/providers/0/algorithms/0/disclosure/purpose",
        }

    def test_emoji_are_accepted(self):
        form = ProviderForm({"name": "北京示例😀科技"}, instance=ProviderFactory())
        assert form.is_valid(), form.errors

    def test_refused_nul_is_kept_as_a_visible_mark_in_pending_input(self):
        assert _storable("a\x00b") == "a\ufffdb"
        assert _storable(["a\x00", "b"]) == ["a\ufffd", "b"]
        assert _storable(None) is None


class TestUploadNames:
    def test_a_png_named_html_is_stored_and_downloaded_as_png(
        self, client, workspace, member_factory
    ):
        algorithm = AlgorithmFactory(provider=ProviderFactory(workspace=workspace))
        client.force_login(member_factory(workspace, Role.EDITOR))
        response = client.post(
            reverse("filings:algorithm-upload", args=[workspace.slug, algorithm.pk]),
            {
                "slot": "screenshot",
                "file": SimpleUploadedFile("poly.html", PNG, "text/html"),
            },
        )
        assert response.status_code == 302
        attachment = Attachment.objects.get()
        assert attachment.original_name == "poly.png"
        assert attachment.file.name.endswith(".png")
        download = client.get(reverse("filings:attachment", args=[workspace.slug, attachment.pk]))
        assert download["Content-Type"] == "image/png"
        assert download["Content-Disposition"] == 'attachment; filename="poly.png"'
        assert download["X-Content-Type-Options"] == "nosniff"

    def test_a_file_stored_under_its_old_name_downloads_with_the_sniffed_extension(
        self, client, workspace, owner
    ):
        provider = ProviderFactory(workspace=workspace)
        attachment = attachment_create(
            slot=AttachmentSlot.LICENCE_SCAN,
            uploaded=SimpleUploadedFile("执照.png", PNG),
            provider=provider,
        )
        Attachment.objects.filter(pk=attachment.pk).update(original_name="执照.html")
        client.force_login(owner)
        download = client.get(reverse("filings:attachment", args=[workspace.slug, attachment.pk]))
        assert "filename*=utf-8''%E6%89%A7%E7%85%A7.png" in download["Content-Disposition"]

    @pytest.mark.parametrize(
        ("name", "stored"),
        [
            ("scan.JPEG", "scan.jpeg"),
            ("a/b\\c.exe\u202egnp.png", "c.exegnp.png"),
            ("", "upload.png"),
            ("...", "upload.png"),
        ],
    )
    def test_names_are_cleaned(self, name, stored):
        from filings.models import name_for_type

        content_type = "image/jpeg" if "JPEG" in name else "image/png"
        assert name_for_type(name, content_type) == stored

    def test_a_bidi_description_is_refused_with_a_message(self, client, workspace, owner):
        algorithm = AlgorithmFactory(provider=ProviderFactory(workspace=workspace))
        client.force_login(owner)
        response = client.post(
            reverse("filings:algorithm-upload", args=[workspace.slug, algorithm.pk]),
            {
                "slot": "screenshot",
                "file": SimpleUploadedFile("a.png", PNG),
                "description": "截图\u202e说明",
            },
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.status_code == 400
        assert "direction" in response.content.decode()
        assert not Attachment.objects.exists()


class TestWizardSave:
    KIND = "algorithm-basic"

    @pytest.mark.parametrize(
        "base", ["[" * 100_000, "1", "null", '"text"', "9" * 5000, '{"name": "\\ud800"}']
    )
    def test_a_hostile_base_or_value_never_answers_500(self, client, workspace, owner, base):
        algorithm = AlgorithmFactory(provider=ProviderFactory(workspace=workspace), name="原名算法")
        prefix = f"{self.KIND}-{algorithm.pk}"
        data = {
            f"{prefix}-name": "新\x00名算法",
            f"{prefix}-application_domains": "新闻、\u202e门户",
            "_base": base,
        }
        client.force_login(owner)
        response = client.post(
            reverse("filings:panel-save", args=[workspace.slug, self.KIND, algorithm.pk]),
            data,
            HTTP_HX_REQUEST="true",
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.status_code < 500  # an unreadable base counts as a conflict
        algorithm.refresh_from_db()
        assert algorithm.name == "原名算法"

    def test_nul_and_bidi_are_refused_and_kept_pending_as_typed(self, client, workspace, owner):
        from filings import wizard
        from filings.models import PendingInput

        algorithm = AlgorithmFactory(provider=ProviderFactory(workspace=workspace), name="原名算法")
        prefix = f"{self.KIND}-{algorithm.pk}"
        data = {
            f"{prefix}-name": "新\x00名算法",
            f"{prefix}-application_domains": "新闻、\u202e门户",
            "_base": wizard.panel_base(self.KIND, algorithm),
        }
        client.force_login(owner)
        response = client.post(
            reverse("filings:panel-save", args=[workspace.slug, self.KIND, algorithm.pk]),
            data,
            HTTP_HX_REQUEST="true",
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert "Null characters are not allowed" in page
        assert "direction" in page
        pending = PendingInput.objects.get().data
        assert pending["name"]["value"] == "新\ufffd名算法"
        assert pending["application_domains"]["value"] == "新闻、\u202e门户"


@pytest.mark.parametrize("raw", [b"42", b"null", b'"\\u0000"', b"NaN", b"[]"])
def test_a_document_that_is_not_an_object_is_refused_with_a_message(raw):
    assert _parse_problems(raw)
