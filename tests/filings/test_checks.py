"""The checks over the interchange document, and the check_filing command.

Each test starts from a complete, consistent document (the demo's first
algorithm, with the gaps the demo leaves filled in), breaks one thing, and
asserts the exact code, severity and pointer of what the checks report.
"""

import copy
import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from stdnum.cn import ric

from assessments.selectors import check_catalogue
from demo.workspace import load_demo
from filings import checks
from filings.attachments import attachment_create
from filings.checks import ERROR, WARNING, Problem, run_checks
from filings.choices import AttachmentSlot
from filings.interchange import export_workspace
from filings.models import Algorithm

pytestmark = pytest.mark.django_db

FEED = "示例新闻个性化推荐算法"
P = "/providers/0"
A = f"{P}/algorithms/0"
TODAY = dt.date(2026, 6, 1)
# A complete filing has a file in every material's slot (filings.materials).
ALL_SLOTS = set(AttachmentSlot.values)
ATTACHED = {FEED: ALL_SLOTS}
VENDOR_NUMBER = "网信算备310115123456701240011号"


@pytest.fixture
def demo_document():
    return export_workspace(load_demo())


@pytest.fixture
def doc(demo_document):
    """The demo's first algorithm alone, with what the demo leaves thin filled in."""
    document = copy.deepcopy(demo_document)
    provider = document["providers"][0]
    provider["algorithms"] = provider["algorithms"][:1]
    provider["algorithms"][0]["risks_and_safeguards"] = (
        "主要风险为信息茧房、不良信息传播和推荐结果被操纵。防范机制：多样性打散、内容安全审核、"
        "违法不良信息特征库过滤、异常行为识别、未成年人模式和人工复核。"
    )
    return document


def run(document, **kwargs) -> list[Problem]:
    kwargs.setdefault("attachments", ATTACHED)
    kwargs.setdefault("today", TODAY)
    kwargs.setdefault("catalogue", check_catalogue())
    return run_checks(document, **kwargs)


def found(document, *codes, **kwargs) -> list[tuple[str, str, str]]:
    return [(p.code, p.severity, p.pointer) for p in run(document, **kwargs) if p.code in codes]


def messages(document, code, **kwargs) -> list[str]:
    return [p.message for p in run(document, **kwargs) if p.code == code]


def _node(document, parts):
    for part in parts:
        document = document[int(part)] if isinstance(document, list) else document[part]
    return document


def put(document, pointer: str, value) -> None:
    *parents, last = pointer.strip("/").split("/")
    node = _node(document, parents)
    node[int(last) if isinstance(node, list) else last] = value


def feed(document) -> dict:
    return document["providers"][0]["algorithms"][0]


def add_algorithm(document, name: str) -> dict:
    other = copy.deepcopy(feed(document))
    other.update(key="a9", name=name)
    document["providers"][0]["algorithms"].append(other)
    return other


# ---------------------------------------------------------------------------
# The whole
# ---------------------------------------------------------------------------


class TestCompleteDocument:
    def test_a_complete_consistent_document_has_no_problems(self, doc):
        assert run(doc) == []

    def test_the_demos_complete_algorithm_has_no_errors(self, demo_document):
        problems = run(demo_document, algorithm=FEED)
        assert [p for p in problems if p.severity == ERROR] == []

    def test_the_demos_drafts_have_errors(self, demo_document):
        assert checks.has_errors(run(demo_document))

    def test_a_problem_has_exactly_the_five_keys(self, doc):
        put(doc, f"{P}/uscc", None)
        (problem,) = run(doc)
        assert problem.as_dict() == {
            "code": "required",
            "severity": "error",
            "pointer": f"{P}/uscc",
            "message": problem.message,
            "blocks": "approval",
        }
        assert "unified social credit code" in problem.message

    def test_every_code_is_declared_once(self):
        codes = checks.all_codes()
        assert len(codes) == len(set(codes))
        assert all(code.replace("_", "").isalpha() and code.islower() for code in codes)

    def test_problems_come_in_document_order(self, doc):
        del feed(doc)["disclosure"]
        put(doc, f"{A}/summary", "")
        put(doc, f"{P}/services/0/dau", 9_000_000)
        put(doc, f"{P}/uscc", "")
        pointers = [p.pointer for p in run(doc)]
        assert pointers == [
            f"{P}/uscc",
            f"{P}/services/0/dau",
            f"{A}/summary",
            # Fields of a missing disclosure still come in the form's order.
            f"{A}/disclosure/basic_principle",
            f"{A}/disclosure/operating_mechanism",
            f"{A}/disclosure/application_scenario",
            f"{A}/disclosure/purpose",
        ]


class TestScope:
    def test_only_the_algorithm_its_provider_and_its_services_count(self, demo_document):
        put(demo_document, f"{P}/services/2/mau", 9_000_000)  # 示例AI助手, used by the chat
        put(demo_document, f"{P}/registered_address", "")
        feed_pointers = {p.pointer for p in run(demo_document, algorithm=FEED)}
        assert f"{P}/registered_address" in feed_pointers
        assert f"{P}/services/2/mau" not in feed_pointers
        assert all(
            not p.startswith(f"{P}/algorithms/") or p.startswith(f"{A}/") or p == A
            for p in feed_pointers
        )
        chat_pointers = {p.pointer for p in run(demo_document, algorithm="示例AI助手生成合成算法")}
        assert f"{P}/services/2/mau" in chat_pointers
        assert f"{P}/registered_address" in chat_pointers
        assert all(p.startswith(f"{P}/algorithms/3") for p in chat_pointers if "/algorithms/" in p)

    def test_an_unknown_algorithm_name_is_refused(self, doc):
        with pytest.raises(LookupError):
            run(doc, algorithm="没有这个算法")


# ---------------------------------------------------------------------------
# 1. Required fields
# ---------------------------------------------------------------------------


class TestRequired:
    @pytest.mark.parametrize(
        ("pointer", "value"),
        [
            (f"{P}/name", ""),
            (f"{P}/uscc", None),
            (f"{P}/entity_type", None),
            (f"{P}/region_code", None),
            (f"{P}/registered_address", "  "),
            (f"{P}/certificate/type", None),
            (f"{P}/legal_representative/name", ""),
            (f"{P}/legal_representative/id_type", None),
            (f"{P}/legal_representative/id_number", None),
            (f"{P}/security_officer/name", ""),
            (f"{P}/security_officer/id_number", None),
            (f"{P}/security_officer/mobile", None),
            (f"{P}/security_officer/email", None),
            (f"{P}/services/0/name", ""),
            (f"{P}/services/0/form", None),
            (f"{P}/services/0/access_url", None),
            (f"{P}/services/0/status", None),
            (f"{P}/services/0/target_users", ""),
            (f"{P}/services/0/real_name_required", None),
            (f"{P}/services/0/dau", None),
            (f"{P}/services/0/mau", None),
            (f"{A}/name", ""),
            (f"{A}/type", None),
            (f"{A}/launch_status", None),
            (f"{A}/launch_date", None),
            (f"{A}/application_domains", []),
            (f"{A}/summary", ""),
            (f"{A}/usage_scenario", ""),
            (f"{A}/input_modalities", []),
            (f"{A}/output_modalities", []),
            (f"{A}/data/sources", ""),
            (f"{A}/data/contains_biometric", None),
            (f"{A}/model_and_training_data", ""),
            (f"{A}/strategy", ""),
            (f"{A}/risks_and_safeguards", ""),
            (f"{A}/deployments/0/function_name", ""),
            (f"{A}/deployments/0/function_description", ""),
            (f"{A}/deployments/0/access_path", []),
            (f"{A}/disclosure/basic_principle", ""),
            (f"{A}/disclosure/operating_mechanism", ""),
            (f"{A}/disclosure/application_scenario", ""),
            (f"{A}/disclosure/purpose", ""),
        ],
    )
    def test_a_blank_required_field_is_an_error(self, doc, pointer, value):
        put(doc, pointer, value)
        assert found(doc, "required") == [("required", ERROR, pointer)]

    def test_the_message_says_what_to_fill_in(self, doc):
        put(doc, f"{P}/security_officer/id_type", None)
        put(doc, f"{A}/application_domains", [])
        put(doc, f"{A}/data/contains_identity", None)
        assert messages(doc, "required") == [
            "Fill in “ID type of the algorithm security officer”: the filing needs it.",
            "Add at least one entry to “application domains”. Example: 新闻门户, 短视频.",
            "Answer “contains identity data”: yes or no.",
        ]

    def test_a_missing_disclosure_is_reported_field_by_field(self, doc):
        del feed(doc)["disclosure"]
        assert found(doc, "required") == [
            ("required", ERROR, f"{A}/disclosure/{key}")
            for key in ("basic_principle", "operating_mechanism", "application_scenario", "purpose")
        ]

    def test_optional_and_answered_fields_are_not_required(self, doc):
        put(doc, f"{A}/disclosure/disclosure_note", "")
        put(doc, f"{P}/services/0/real_name_required", False)
        put(doc, f"{P}/services/0/dau", 0)
        put(doc, f"{P}/office_address", "")
        assert found(doc, "required") == []

    def test_launch_date_is_required_only_once_online(self, doc):
        put(doc, f"{A}/launch_status", "not_online")
        put(doc, f"{A}/launch_date", None)
        assert found(doc, "required") == []

    def test_services_no_deployment_uses_are_not_checked(self, doc):
        # 示例AI助手 (services/2) is used by no algorithm of this document.
        put(doc, f"{P}/services/2/target_users", "")
        put(doc, f"{P}/services/2/access_url", None)
        assert found(doc, "required") == []

    def test_a_service_not_online_needs_no_user_numbers(self, doc):
        put(doc, f"{P}/services/0/status", "not_online")
        put(doc, f"{P}/services/0/dau", None)
        put(doc, f"{P}/services/0/mau", None)
        assert found(doc, "required") == []

    def test_a_service_of_form_other_needs_no_address(self, doc):
        put(doc, f"{P}/services/0/form", "other")
        put(doc, f"{P}/services/0/access_url", None)
        assert found(doc, "required") == []

    def test_a_third_party_model_needs_name_vendor_and_number(self, doc):
        feed(doc)["third_party_models"] = [{"name": "", "vendor": None, "filing_number": None}]
        assert found(doc, "required") == [
            ("required", ERROR, f"{A}/third_party_models/0/{key}")
            for key in ("name", "vendor", "filing_number")
        ]

    def test_a_filed_filing_needs_its_number(self, doc):
        put(doc, f"{A}/filings/0/filing_number", None)
        assert found(doc, "required") == [("required", ERROR, f"{A}/filings/0/filing_number")]


# ---------------------------------------------------------------------------
# 2. Formats
# ---------------------------------------------------------------------------


def resident_id(region: str) -> str:
    body = f"{region}19900101123"
    return body + ric.calc_check_digit(body + "0")


class TestFormats:
    @pytest.mark.parametrize(
        ("pointer", "value"),
        [
            (f"{P}/uscc", "91110108MA01ABCD1F"),
            (f"{P}/uscc", "91110108ma01abcd1e"),
            (f"{P}/region_code", "11010"),
            (f"{P}/security_officer/mobile", "12800138000"),
            (f"{P}/legal_representative/id_number", "110105194912310021"),
            (f"{P}/security_officer/id_number", "11010819900307123"),
            (f"{A}/filings/0/filing_number", "网信算备110108号"),
        ],
    )
    def test_a_malformed_value_is_an_error(self, doc, pointer, value):
        put(doc, pointer, value)
        assert found(doc, "invalid_format") == [("invalid_format", ERROR, pointer)]

    def test_the_message_is_the_validators(self, doc):
        put(doc, f"{P}/uscc", "91110108MA01ABCD1F")
        (message,) = messages(doc, "invalid_format")
        assert "check character" in message

    def test_other_documents_are_checked_by_their_own_rule(self, doc):
        put(doc, f"{P}/legal_representative/id_type", "passport")
        put(doc, f"{P}/legal_representative/id_number", "E1234567")
        assert found(doc, "invalid_format") == []
        put(doc, f"{P}/legal_representative/id_number", "E1")
        assert found(doc, "invalid_format") == [
            ("invalid_format", ERROR, f"{P}/legal_representative/id_number")
        ]

    def test_a_third_party_filing_number_is_checked(self, doc):
        feed(doc)["third_party_models"] = [
            {"name": "示例通用大模型", "vendor": "示例模型公司", "filing_number": "备案123"}
        ]
        assert found(doc, "invalid_format") == [
            ("invalid_format", ERROR, f"{A}/third_party_models/0/filing_number")
        ]

    def test_an_unlisted_region_in_a_resident_id_is_a_warning(self, doc):
        put(doc, f"{P}/security_officer/id_number", resident_id("999999"))
        assert found(doc, "invalid_format", "id_number_region") == [
            ("id_number_region", WARNING, f"{P}/security_officer/id_number")
        ]

    def test_a_22_digit_filing_number_is_a_warning(self, doc):
        put(doc, f"{A}/filings/0/filing_number", "网信算备1101082242366066220017号")
        assert found(doc, "invalid_format", "filing_number_length") == [
            ("filing_number_length", WARNING, f"{A}/filings/0/filing_number")
        ]


# ---------------------------------------------------------------------------
# 3. One algorithm name everywhere
# ---------------------------------------------------------------------------


class TestOneName:
    def test_another_algorithms_name_in_the_disclosure_is_flagged(self, doc):
        add_algorithm(doc, "示例新闻热榜算法")
        put(doc, f"{A}/disclosure/basic_principle", "示例新闻热榜算法基于用户行为数据计算兴趣。")
        assert found(doc, "other_algorithm_named", "name_differs", algorithm=FEED) == [
            ("other_algorithm_named", WARNING, f"{A}/disclosure/basic_principle")
        ]
        (message,) = messages(doc, "other_algorithm_named", algorithm=FEED)
        assert "示例新闻热榜算法" in message and FEED in message

    def test_a_longer_name_that_contains_this_one_is_still_another(self, doc):
        add_algorithm(doc, f"{FEED}-1")
        put(doc, f"{A}/assessment/conclusion", f"经评估，{FEED}-1风险可控。")
        assert found(doc, "other_algorithm_named", "name_differs", algorithm=FEED) == [
            ("other_algorithm_named", WARNING, f"{A}/assessment/conclusion")
        ]

    def test_an_algorithm_may_name_itself(self, doc):
        add_algorithm(doc, f"{FEED}-1")
        put(doc, f"{A}/disclosure/purpose", f"应用于新闻推荐场景，“{FEED}”为用户推荐资讯。")
        assert found(doc, "other_algorithm_named", "name_differs", algorithm=FEED) == []

    def test_a_quoted_name_that_differs_is_flagged(self, doc):
        put(
            doc,
            f"{A}/disclosure/purpose",
            "应用于新闻推荐场景，「示例新闻推荐算法」为用户推荐资讯。",
        )
        assert found(doc, "name_differs") == [("name_differs", WARNING, f"{A}/disclosure/purpose")]
        (message,) = messages(doc, "name_differs")
        assert "示例新闻推荐算法" in message and FEED in message

    def test_the_name_with_another_suffix_is_flagged(self, doc):
        put(doc, f"{A}/assessment/conclusion", f"经评估，{FEED}-2风险总体可控。")
        assert found(doc, "name_differs") == [
            ("name_differs", WARNING, f"{A}/assessment/conclusion")
        ]

    def test_unquoted_generic_words_are_not_names(self, doc):
        put(
            doc,
            f"{A}/disclosure/operating_mechanism",
            "本算法采用推荐算法和排序算法，逐步计算用户兴趣并展示结果。",
        )
        assert found(doc, "name_differs", "other_algorithm_named") == []


# ---------------------------------------------------------------------------
# 4. User numbers
# ---------------------------------------------------------------------------


class TestUserNumbers:
    def test_a_service_cannot_have_more_monthly_users_than_its_provider(self, doc):
        put(doc, f"{P}/services/0/mau", 6_000_000)
        put(doc, f"{P}/services/0/dau", 600_000)
        assert found(doc, "service_mau_exceeds_provider") == [
            ("service_mau_exceeds_provider", ERROR, f"{P}/services/0/mau")
        ]

    def test_daily_users_cannot_exceed_monthly_users(self, doc):
        put(doc, f"{P}/services/1/dau", 1_000_000)
        assert found(doc, "dau_exceeds_mau") == [("dau_exceeds_mau", ERROR, f"{P}/services/1/dau")]

    def test_a_missing_provider_figure_is_a_warning_when_services_have_theirs(self, doc):
        put(doc, f"{P}/mau", None)
        assert found(doc, "provider_mau_missing", "service_mau_exceeds_provider") == [
            ("provider_mau_missing", WARNING, f"{P}/mau")
        ]


# ---------------------------------------------------------------------------
# 5. Output modalities and formats
# ---------------------------------------------------------------------------

FORMAT_CODES = ("output_format_missing", "output_format_unmatched", "output_format_unknown")


class TestOutputFormats:
    def test_a_modality_without_a_format_is_a_warning_for_push(self, doc):
        put(doc, f"{A}/output_formats", ["json"])
        assert found(doc, *FORMAT_CODES) == [
            ("output_format_missing", WARNING, f"{A}/output_modalities/1")
        ]

    def test_it_is_an_error_for_generation_synthesis(self, doc):
        put(doc, f"{A}/type", "generation_synthesis")
        put(doc, f"{A}/output_formats", ["json"])
        assert found(doc, *FORMAT_CODES) == [
            ("output_format_missing", ERROR, f"{A}/output_modalities/1")
        ]
        (message,) = messages(doc, "output_format_missing")
        assert "image" in message and "png" in message

    def test_a_format_of_no_output_modality_is_flagged(self, doc):
        put(doc, f"{A}/output_formats", ["json", "jpg", "mp3"])
        assert found(doc, *FORMAT_CODES) == [
            ("output_format_unmatched", WARNING, f"{A}/output_formats/2")
        ]

    def test_an_unknown_format_is_a_warning(self, doc):
        put(doc, f"{A}/type", "generation_synthesis")
        put(doc, f"{A}/output_formats", ["json", "jpg", "xyz"])
        assert found(doc, *FORMAT_CODES) == [
            ("output_format_unknown", WARNING, f"{A}/output_formats/2")
        ]

    def test_the_modality_other_takes_the_unknown_formats(self, doc):
        put(doc, f"{A}/output_modalities", ["text", "image", "other"])
        put(doc, f"{A}/output_formats", ["json", "jpg"])
        assert found(doc, *FORMAT_CODES) == [
            ("output_format_missing", WARNING, f"{A}/output_modalities/2")
        ]
        put(doc, f"{A}/output_formats", ["json", "jpg", "ifc"])
        assert found(doc, *FORMAT_CODES) == []

    def test_3d_formats_serve_virtual_scenes(self, doc):
        put(doc, f"{A}/output_modalities", ["virtual_scene"])
        put(doc, f"{A}/output_formats", ["glb"])
        assert found(doc, *FORMAT_CODES) == []


# ---------------------------------------------------------------------------
# 6. Third-party models
# ---------------------------------------------------------------------------


def with_vendor_model(document) -> dict:
    algorithm = feed(document)
    algorithm["third_party_models"] = [
        {
            "name": "示例通用大模型",
            "vendor": "上海示例模型科技有限公司",
            "filing_number": VENDOR_NUMBER,
        }
    ]
    algorithm["model_and_training_data"] += f"召回向量由示例通用大模型（{VENDOR_NUMBER}）生成。"
    return algorithm


def fake_lookup(status: str, latest_batch: str | None = "2026年5月"):
    calls = []

    def lookup(number):
        calls.append(number)
        record = {"entity_name": "上海示例模型科技有限公司", "algorithm_name": "示例通用大模型"}
        return {
            "status": status,
            "record": record if status == "found" else None,
            "latest_batch": latest_batch,
        }

    lookup.calls = calls
    return lookup


class TestThirdPartyModels:
    def test_proof_is_required_when_attachments_are_known(self, doc):
        without = {FEED: ALL_SLOTS - {AttachmentSlot.THIRD_PARTY_PROOF}}
        # No third-party model: the proof is optional.
        assert found(doc, "material_missing", attachments=without) == []
        with_vendor_model(doc)
        assert found(doc, "material_missing", attachments=without) == [
            ("material_missing", ERROR, f"{A}/attachments/third_party_proof")
        ]
        assert found(doc, "material_missing") == []
        assert found(doc, "material_missing", attachments=None) == []

    def test_a_number_absent_from_the_lists_is_a_warning_naming_the_batch(self, doc):
        with_vendor_model(doc)
        proof = ATTACHED
        lookup = fake_lookup("absent")
        assert run(doc, attachments=proof, registry_lookup=lookup) == [
            Problem(
                "third_party_not_listed",
                WARNING,
                f"{A}/third_party_models/0/filing_number",
                f"{VENDOR_NUMBER} is not in the CAC lists loaded up to 2026年5月. Check the number "
                "with the vendor; if it was filed after that batch, keep the vendor's filing "
                "notice with the proof.",
            )
        ]
        assert lookup.calls == [VENDOR_NUMBER]

    @pytest.mark.parametrize(
        "lookup",
        [fake_lookup("found"), fake_lookup("absent", latest_batch=None), fake_lookup("malformed")],
    )
    def test_found_unknown_or_malformed_numbers_raise_no_registry_warning(self, doc, lookup):
        with_vendor_model(doc)
        assert found(doc, "third_party_not_listed", registry_lookup=lookup) == []

    def test_the_model_should_be_named_in_the_model_description(self, doc):
        with_vendor_model(doc)
        put(
            doc,
            f"{A}/model_and_training_data",
            "双塔召回模型与多目标排序模型，使用近90天脱敏行为日志训练。",
        )
        assert found(doc, "third_party_not_described") == [
            ("third_party_not_described", WARNING, f"{A}/model_and_training_data")
        ]


# ---------------------------------------------------------------------------
# 7. Roles
# ---------------------------------------------------------------------------

ROLE_CODES = (
    "deployment_missing",
    "deployment_service_unknown",
    "technical_service_modes_missing",
    "supporter_deployments",
    "supporter_role_type",
)


class TestRoles:
    def test_a_service_provider_needs_a_deployment(self, doc):
        put(doc, f"{A}/deployments", [])
        assert found(doc, *ROLE_CODES) == [("deployment_missing", ERROR, f"{A}/deployments")]

    def test_a_technical_supporter_needs_service_modes(self, doc):
        put(doc, f"{A}/type", "generation_synthesis")
        put(doc, f"{A}/role", "technical_supporter")
        put(doc, f"{A}/deployments", [])
        assert found(doc, *ROLE_CODES) == [
            ("technical_service_modes_missing", ERROR, f"{A}/technical_service_modes")
        ]
        put(doc, f"{A}/technical_service_modes", ["api"])
        assert found(doc, *ROLE_CODES) == []

    def test_a_technical_supporter_lists_no_products(self, doc):
        put(doc, f"{A}/type", "generation_synthesis")
        put(doc, f"{A}/role", "technical_supporter")
        put(doc, f"{A}/technical_service_modes", ["api"])
        assert found(doc, *ROLE_CODES) == [("supporter_deployments", WARNING, f"{A}/deployments")]

    def test_the_supporter_role_belongs_to_generation_synthesis(self, doc):
        put(doc, f"{A}/role", "technical_supporter")
        put(doc, f"{A}/technical_service_modes", ["sdk"])
        put(doc, f"{A}/deployments", [])
        assert found(doc, *ROLE_CODES) == [("supporter_role_type", WARNING, f"{A}/role")]

    def test_a_deployment_names_a_service_of_the_provider(self, doc):
        put(doc, f"{A}/deployments/0/service", "s99")
        assert found(doc, *ROLE_CODES) == [
            ("deployment_service_unknown", ERROR, f"{A}/deployments/0/service")
        ]


# ---------------------------------------------------------------------------
# 8–9. Texts and the purpose
# ---------------------------------------------------------------------------


class TestTexts:
    def test_a_thin_text_is_a_warning(self, doc):
        put(doc, f"{A}/summary", "推荐新闻资讯。")
        put(doc, f"{A}/deployments/0/function_description", "首页推荐资讯。")
        assert found(doc, "text_too_short") == [
            ("text_too_short", WARNING, f"{A}/summary"),
            ("text_too_short", WARNING, f"{A}/deployments/0/function_description"),
        ]
        assert "at least 50" in messages(doc, "text_too_short")[0]

    def test_whitespace_does_not_count(self, doc):
        put(doc, f"{A}/usage_scenario", "示例 新闻 APP 首页 推荐 频道 信息 流 ")
        assert found(doc, "text_too_short") == [("text_too_short", WARNING, f"{A}/usage_scenario")]

    def test_the_same_text_in_two_fields_is_flagged_on_the_later_one(self, doc):
        summary = feed(doc)["summary"]
        put(doc, f"{A}/disclosure/basic_principle", f" {summary}\n")
        assert found(doc, "text_repeated") == [
            ("text_repeated", WARNING, f"{A}/disclosure/basic_principle")
        ]
        (message,) = messages(doc, "text_repeated")
        assert "“summary”" in message

    def test_short_identical_texts_are_not_repeats(self, doc):
        put(doc, f"{A}/usage_scenario", "首页推荐")
        put(doc, f"{A}/disclosure/application_scenario", "首页推荐")
        assert found(doc, "text_repeated") == []

    @pytest.mark.parametrize(
        ("pointer", "text", "severity"),
        [
            (f"{A}/deployments/0/function_description", "示" * 501, ERROR),
            (f"{A}/disclosure/purpose", "应用于新闻推荐场景，" + "为" * 141, WARNING),
            (f"{A}/name", "示" * 39 + "算法", WARNING),
        ],
    )
    def test_too_long_texts(self, doc, pointer, text, severity):
        put(doc, pointer, text)
        assert found(doc, "text_too_long") == [("text_too_long", severity, pointer)]

    def test_a_purpose_not_phrased_as_published_gets_a_suggestion(self, doc):
        put(doc, f"{A}/disclosure/purpose", "为用户推荐可能感兴趣的新闻资讯。")
        assert found(doc, "purpose_phrasing") == [
            ("purpose_phrasing", WARNING, f"{A}/disclosure/purpose")
        ]
        (message,) = messages(doc, "purpose_phrasing")
        assert checks.PURPOSE_EXAMPLE in message


# ---------------------------------------------------------------------------
# 10–12. Name, type, dates
# ---------------------------------------------------------------------------


class TestNameTypeDates:
    def test_a_name_not_ending_in_suanfa_gets_a_suggestion(self, doc):
        put(doc, f"{A}/name", "示例新闻个性化推荐")
        assert found(doc, "name_suffix") == [("name_suffix", WARNING, f"{A}/name")]
        assert "示例新闻个性化推荐算法" in messages(doc, "name_suffix")[0]

    def test_a_numbered_name_is_fine(self, doc):
        put(doc, f"{A}/name", f"{FEED}-1")
        assert found(doc, "name_suffix") == []

    def test_the_legacy_type_gets_a_suggestion(self, doc):
        put(doc, f"{A}/type", "search_filtering")
        assert found(doc, "legacy_type") == [("legacy_type", WARNING, f"{A}/type")]

    def test_a_generative_service_of_another_type_is_flagged(self, doc):
        put(doc, f"{A}/generative_ai_service", True)
        assert found(doc, "generative_type_mismatch") == [
            ("generative_type_mismatch", WARNING, f"{A}/type")
        ]

    def test_a_future_launch_date_while_online_is_a_warning(self, doc):
        put(doc, f"{A}/launch_date", "2026-07-01")
        assert found(doc, "launch_date_future", "launch_before_services") == [
            ("launch_date_future", WARNING, f"{A}/launch_date")
        ]
        put(doc, f"{A}/launch_status", "not_online")
        assert found(doc, "launch_date_future") == []

    def test_online_before_every_product_is_a_warning(self, doc):
        put(doc, f"{A}/launch_date", "2024-01-01")
        assert found(doc, "launch_before_services") == [
            ("launch_before_services", WARNING, f"{A}/launch_date")
        ]


# ---------------------------------------------------------------------------
# Further return reasons
# ---------------------------------------------------------------------------


class TestFurtherReasons:
    def test_generated_content_needs_labeling_screenshots(self, doc):
        without = {FEED: ALL_SLOTS - {AttachmentSlot.SCREENSHOT}}
        assert found(doc, "material_missing", attachments=without) == []
        put(doc, f"{A}/type", "generation_synthesis")
        put(doc, f"{A}/generative_ai_service", True)
        assert found(doc, "material_missing", attachments=without) == [
            ("material_missing", ERROR, f"{A}/attachments/screenshot")
        ]
        assert found(doc, "material_missing") == []
        assert found(doc, "material_missing", attachments=None) == []

    def test_a_missing_flowchart_is_an_error_blocking_the_approval(self, doc):
        problems = [
            p
            for p in run(doc, attachments={FEED: ALL_SLOTS - {AttachmentSlot.FLOWCHART}})
            if p.code == "material_missing"
        ]
        assert [(p.severity, p.pointer, p.blocks) for p in problems] == [
            (ERROR, f"{A}/attachments/flowchart", "approval")
        ]

    def test_apps_need_the_providers_icp_number(self, doc):
        put(doc, f"{P}/icp_number", None)
        assert found(doc, "icp_missing") == [("icp_missing", WARNING, f"{P}/icp_number")]

    def test_an_expired_certificate_is_a_warning(self, doc):
        put(doc, f"{P}/certificate/valid_until", "2026-05-31")
        assert found(doc, "certificate_expired") == [
            ("certificate_expired", WARNING, f"{P}/certificate/valid_until")
        ]

    def test_the_application_scenario_names_the_products(self, doc):
        put(doc, f"{A}/disclosure/application_scenario", "应用于新闻客户端首页推荐频道的信息流。")
        assert found(doc, "scenario_without_product") == [
            ("scenario_without_product", WARNING, f"{A}/disclosure/application_scenario")
        ]
        assert "示例新闻" in messages(doc, "scenario_without_product")[0]

    def test_the_self_assessment_is_expected(self, doc):
        put(doc, f"{A}/assessment/conclusion", "")
        assert found(doc, "assessment_missing", "assessment_conclusion_missing") == [
            ("assessment_conclusion_missing", WARNING, f"{A}/assessment/conclusion")
        ]
        del feed(doc)["assessment"]
        assert found(doc, "assessment_missing", "assessment_conclusion_missing") == [
            ("assessment_missing", ERROR, f"{A}/assessment")
        ]


# ---------------------------------------------------------------------------
# The check_filing command
# ---------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def check_filing(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("check_filing", *args, stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


class TestCommand:
    def test_json_lists_the_problems_and_exits_1_on_errors(self):
        load_demo()
        status, output = check_filing("demo", "--json")
        assert status == 1
        problems = json.loads(output)
        assert problems and all(
            set(p) == {"code", "severity", "pointer", "message", "blocks"} for p in problems
        )
        assert {p["blocks"] for p in problems if p["severity"] == "error"} == {
            "approval",
            "submission",
        }
        assert {"error", "warning"} == {p["severity"] for p in problems}
        assert "“" in output and "\\u201c" not in output  # ensure_ascii=False

    def test_one_algorithm_without_errors_exits_0(self):
        load_demo()
        status, output = check_filing("demo", "--algorithm", FEED, "--json")
        assert status == 0
        problems = json.loads(output)
        assert {p["severity"] for p in problems} <= {"warning"}
        assert all(
            "/algorithms/" not in p["pointer"] or p["pointer"].startswith(A) for p in problems
        )

    def test_the_readable_listing(self):
        load_demo()
        status, output = check_filing("demo", "--algorithm", "示例出行智能派单算法")
        assert status == 1
        assert f"{P}/algorithms/2/usage_scenario  [required]" in output
        assert "示例出行智能派单算法" in output
        assert "error(s)" in output

    def test_attachments_are_taken_into_account(self):
        load_demo()
        chat = Algorithm.objects.get(name="示例AI助手生成合成算法")
        pointer = f"{P}/algorithms/3/attachments/third_party_proof"
        licence = f"{P}/algorithms/3/attachments/licence_scan"

        def codes():
            _status, output = check_filing("demo", "--algorithm", chat.name, "--json")
            return {(p["code"], p["pointer"]) for p in json.loads(output)}

        assert ("material_missing", pointer) in codes()
        attachment_create(
            slot=AttachmentSlot.THIRD_PARTY_PROOF,
            uploaded=SimpleUploadedFile("合同.pdf", PDF),
            algorithm=chat,
        )
        assert ("material_missing", pointer) not in codes()
        # The provider's documents count for every algorithm of the provider
        # (the demo's filed feed has them all uploaded).
        assert ("material_missing", licence) not in codes()

    def test_the_cac_registry_is_consulted(self):
        from registry.models import RegistryRecord

        load_demo()
        RegistryRecord.objects.create(
            filing_number="网信算备110108823483901230031号",
            filing_type="深度合成服务算法备案",
            batch="2026年5月",
            announcement_date=dt.date(2026, 5, 6),
            announcement_date_text="2026-05-06",
            algorithm_name="另一个算法",
            algorithm_class="深度合成-服务提供者",
            entity_name="另一家公司",
        )
        _status, output = check_filing("demo", "--algorithm", "示例AI助手生成合成算法", "--json")
        (problem,) = [p for p in json.loads(output) if p["code"] == "third_party_not_listed"]
        assert problem["pointer"] == f"{P}/algorithms/3/third_party_models/0/filing_number"
        assert "2026年5月" in problem["message"]

    def test_an_unknown_workspace_or_algorithm_is_refused(self):
        load_demo()
        with pytest.raises(CommandError, match="No workspace"):
            check_filing("nope")
        with pytest.raises(CommandError, match="No algorithm"):
            check_filing("demo", "--algorithm", "没有这个算法")
