"""Every answer and every registry field reaches the PDF, unaltered.

What a team enters is what the package says: for an algorithm of each
kind, every applicable catalogue item is answered with a marker text of its
own and a status; the self-assessment report, read back with pdftotext,
shows every marker, every item's status and summary counts equal to the
answers. Items read as a filer signs them: "本单位已…" and the measures, or
the gap and its rectification, under the template's five headings of
四、风险防控情况. Every field of the filing form (算法备案信息表) is filled with a
distinctive value, long identifiers and URLs included, and each value is
read back from the form's PDF.

pdftotext wraps lines where the PDF does; whitespace is removed before
matching, nothing else: a marker that lost or gained a character fails.
Rendering is in-process (documents.render), as the worker does it.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import translation

from assessments.catalogue import ensure_loaded
from assessments.models import Answer, Assessment, CatalogueItem, Risk
from assessments.selectors import applicable_items
from documents.render import render, render_html
from documents.services import prepare
from filings import choices
from filings.copysheet import copy_sheet
from filings.interchange import algorithm_snapshot
from filings.models import Algorithm, Disclosure
from tests.factories import (
    AlgorithmFactory,
    DeploymentFactory,
    FilingFactory,
    ProviderFactory,
    ServiceFactory,
    ThirdPartyModelFactory,
)

pytestmark = pytest.mark.django_db

# Every algorithm type as a service provider, and the technical supporter
# (a role the portal asks for generation and synthesis only).
KINDS = [(t, choices.Role.SERVICE_PROVIDER) for t in choices.AlgorithmType.values] + [
    (choices.AlgorithmType.GENERATION_SYNTHESIS, choices.Role.TECHNICAL_SUPPORTER)
]
STATUSES = list(choices.AnswerStatus.values)


def _zh(label) -> str:
    with translation.override("zh-hans"):
        return str(label)


STATUS_ZH = {code: _zh(choices.AnswerStatus(code).label) for code in STATUSES}
# Longest first: 符合 is part of 部分符合 and 不符合.
STATUS_RE = re.compile(
    "|".join(re.escape(s) for s in sorted([*STATUS_ZH.values(), "未评估"], key=len, reverse=True))
)


def _flat(text: str) -> str:
    """pdftotext's text without the line breaks and spaces of the layout."""
    return re.sub(r"\s+", "", text)


def _setdefault(model, algorithm, **values):
    """The algorithm's one-to-one row, whether or not creating the algorithm made it."""
    row, _created = model.objects.get_or_create(
        algorithm=algorithm, defaults={"workspace": algorithm.workspace}
    )
    for key, value in values.items():
        setattr(row, key, value)
    row.save()
    return row


# ---------------------------------------------------------------------------
# The self-assessment report
# ---------------------------------------------------------------------------


def _algorithm_of_kind(algorithm_type: str, role: str) -> Algorithm:
    """An algorithm of the kind, on a service with every attribute that makes items apply."""
    generation = algorithm_type == choices.AlgorithmType.GENERATION_SYNTHESIS
    algorithm = AlgorithmFactory(
        name=f"回读测试{algorithm_type}{role}"[:60],
        type=algorithm_type,
        role=role,
        generative_ai_service=generation,
        launch_status=choices.LaunchStatus.ONLINE,
    )
    service = ServiceFactory(
        provider=algorithm.provider,
        public_opinion_attributes=True,
        social_mobilization=True,
        opinion_features=[choices.OpinionFeature.FORUM],
        serves_minors=True,
        involves_workers=True,
        consumer_pricing=True,
    )
    DeploymentFactory(algorithm=algorithm, service=service)
    if generation:
        ThirdPartyModelFactory(algorithm=algorithm)
    FilingFactory(algorithm=algorithm)
    return algorithm


def _answer_everything(algorithm: Algorithm) -> list[dict]:
    """Answers every applicable item with markers of its own; returns what was entered."""
    assessment = _setdefault(
        Assessment,
        algorithm,
        assessed_on=dt.date(2025, 3, 5),
        report_date=dt.date(2025, 3, 6),
        conclusion=f"结论标记-{algorithm.type}-{algorithm.role}-CONCLUSION",
    )
    items = applicable_items(algorithm_snapshot(algorithm), 0, 0)
    assert len(items) > 10
    entered = []
    for n, item in enumerate(items):
        status = STATUSES[n % len(STATUSES)]
        measures = f"措施标记-{item.item_id}-M{n:03d}"
        justification = f"说明标记-{item.item_id}-J{n:03d}"
        Answer.objects.update_or_create(
            assessment=assessment,
            item=item.item_id,
            defaults={
                "workspace": algorithm.workspace,
                "status": status,
                "measures": measures,
                "justification": justification,
            },
        )
        entered.append(
            {
                "item": item.item_id,
                "status": status,
                "measures": measures,
                "justification": justification,
            }
        )
    for position, kind in enumerate(choices.RiskKind.values):
        Risk.objects.create(
            workspace=algorithm.workspace,
            assessment=assessment,
            kind=kind,
            description=f"风险标记-{kind}-R{position:02d}",
            position=position,
        )
    return entered


def _summary(raw: str) -> dict[str, int]:
    """The counts table of 五、安全评估结论, as printed: {label: number}."""
    section = raw[raw.index("五、安全评估结论") :]
    lines = [line.split() for line in section.splitlines()[1:4]]
    header, numbers = lines[0], lines[1]
    assert header[0] == "适用事项", section[:300]
    assert len(header) == len(numbers), section[:300]
    assert all(n.isdigit() for n in numbers), section[:300]
    return dict(zip(header, map(int, numbers), strict=True))


def test_the_kinds_cover_the_whole_catalogue():
    """Between them, the algorithms below answer every active catalogue item."""
    ensure_loaded()
    covered = set()
    for algorithm_type, role in KINDS:
        algorithm = _algorithm_of_kind(algorithm_type, role)
        covered |= {i.item_id for i in applicable_items(algorithm_snapshot(algorithm), 0, 0)}
    active = set(CatalogueItem.objects.filter(active=True).values_list("item_id", flat=True))
    assert active - covered == set()
    # Ids the old layout code broke (24 characters and more) are among them.
    assert any(len(item) >= 24 for item in covered)


@pytest.mark.parametrize(("algorithm_type", "role"), KINDS, ids=[f"{t}-{r}" for t, r in KINDS])
def test_every_answer_reaches_the_report(algorithm_type, role, pdf):
    ensure_loaded()
    algorithm = _algorithm_of_kind(algorithm_type, role)
    entered = _answer_everything(algorithm)
    prepared = prepare(algorithm)
    data = render(prepared.snapshot, "report", context=prepared.context)
    raw = pdf.text(data, "-raw")
    flat = _flat(raw)

    for answer in entered:
        assert answer["measures"] in flat, answer
        assert answer["justification"] in flat, answer
        # The item's row: its justification, its legal basis, then its status.
        row = flat.index(answer["justification"])
        status = STATUS_RE.search(flat, row + len(answer["justification"]))
        assert status is not None and status.group(0) == STATUS_ZH[answer["status"]], (
            answer,
            flat[row : row + 300],
        )
    for position, kind in enumerate(choices.RiskKind.values):
        assert f"风险标记-{kind}-R{position:02d}" in flat
    assert f"结论标记-{algorithm_type}-{role}-CONCLUSION" in flat

    # Declarative, as a filer signs it: each item is the catalogue's statement ("本单位已…")
    # followed by its measures, or the same requirement named as a gap or as not applying.
    section = flat[flat.index("四、风险防控情况") : flat.index("五、安全评估结论")]
    statements = dict(
        CatalogueItem.objects.filter(item_id__in=[a["item"] for a in entered]).values_list(
            "item_id", "statement_zh"
        )
    )
    for answer in entered:
        statement = _flat(statements[answer["item"]])
        requirement = statement.removeprefix("本单位已").removesuffix("。")
        expected = {
            "compliant": f"{statement}具体措施：{answer['measures']}",
            "partial": f"本单位已部分落实以下要求，尚存差距：{requirement}。已采取的措施：{answer['measures']}",
            "non_compliant": f"本单位尚未落实以下要求：{requirement}。已采取的措施：{answer['measures']}",
            "not_applicable": f"以下要求不适用于本算法：{requirement}。补充说明：{answer['measures']}",
        }[answer["status"]]
        assert expected in section, (answer, expected)
        if answer["status"] in ("partial", "non_compliant"):
            # The rectification plan and its deadline are asked for, visibly missing here.
            start = section.index(answer["justification"])
            rest_of_item = section[start : section.index("评估结论：", start)]
            assert "整改计划：（未填写）" in rest_of_item, rest_of_item
            assert "整改时限：（未填写）" in rest_of_item, rest_of_item
    assert "是否" not in section and "？" not in section
    # Under the template's five headings, in the template's order.
    headings = ["风险防范机制建设", "用户权益保护", "内容生态治理", "模型安全保障", "数据安全防护"]
    positions = [section.index(f"（{n}）{h}") for n, h in zip("一二三四五", headings, strict=True)]
    assert positions == sorted(positions)

    counts = _summary(raw)
    assert counts["适用事项"] == len(entered)
    for code in STATUSES:
        assert counts[STATUS_ZH[code]] == sum(a["status"] == code for a in entered), code
    assert counts["未评估"] == 0
    # Nothing answered reads as unassessed.
    assert "项适用事项未评估" not in flat
    assert flat.count("未评估") == 1  # the column heading of the counts


# ---------------------------------------------------------------------------
# The filing form (算法备案信息表)
# ---------------------------------------------------------------------------

# Long identifiers: the old layout code put invisible breaks into runs of
# 24+ characters, and the fonts' ligatures lost the "ffi" of "officer".
WEBSITE = "https://www.roundtrip-example-entity.cn/about/company-profile?lang=zh-hans"
EMAIL = "algorithm.security.officer.roundtrip@roundtrip-example-entity.cn"
ACCESS_URL = "https://app.roundtrip-example-entity.cn/download/android/latest-release-2025"
# Distinctive values for the fields that have a format; every other text
# field gets "<shape>.<field>.RT<n>" (no marker is part of another).
FORMATTED = {
    ("provider", "uscc"): "91110108MA01ABCD1E",
    ("provider", "region_code"): "110108",
    ("provider", "website"): WEBSITE,
    ("provider", "icp_number"): "京ICP备20250123号-7",
    ("provider", "legal_rep_id_type"): choices.IdType.RESIDENT_ID,
    ("provider", "legal_rep_id_number"): "11010519491231002X",
    ("provider", "officer_id_type"): choices.IdType.RESIDENT_ID,
    ("provider", "officer_id_number"): "110108199003071238",
    ("provider", "officer_mobile"): "13912345678",
    ("provider", "officer_email"): EMAIL,
    ("provider", "certificate_valid_until"): dt.date(2031, 12, 30),
    ("provider", "mau"): 987_654_321,
    ("service", "access_url"): ACCESS_URL,
    ("service", "dau"): 1_234_567,
    ("service", "mau"): 7_654_321,
    ("service", "launch_date"): dt.date(2024, 11, 19),
    ("algorithm", "launch_date"): dt.date(2024, 12, 2),
    ("algorithm", "output_formats"): ["json", "mp4"],
    ("algorithm", "application_domains"): ["domain.first.RT90", "domain.second.RT91"],
    ("deployment", "access_path"): ["path.first.RT92", "path.second.RT93"],
}
THIRD_PARTY = {
    "name": "third_party_model.name.RT94-roundtrip-model-name",
    "vendor": "third_party_model.vendor.RT95",
    "filing_number": "网信算备110108823483901239999号",
}
FILING_NUMBER = "网信算备110108823483901240077号"


def _value(shape: str, field, n: int):
    """A distinctive valid value for a model field, and the text the form prints for it."""
    if (shape, field.attname) in FORMATTED:
        value = FORMATTED[(shape, field.attname)]
    elif field.choices:
        value = field.choices[n % len(field.choices)][0]
    elif field.get_internal_type() == "BooleanField":
        value = n % 2 == 0
    elif field.get_internal_type() == "JSONField":
        validators = [v for v in field.validators if hasattr(v, "choices")]
        value = list(validators[0].choices.values[:2])
    else:
        value = f"{shape}.{field.attname}.RT{n:02d}"
    return value, _form_text(field, value)


def _form_text(field, value) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        validators = [v for v in field.validators if hasattr(v, "choices")]
        if validators:
            value = [_zh(validators[0].choices(v).label) for v in value]
        return ("、", " → ")[field.attname == "access_path"].join(value)
    if field.choices:
        return _zh(dict(field.choices)[value])
    return str(value)


def _fill(instance, shape: str, attrs, expected: dict, counter: list[int]) -> None:
    for attr in attrs:
        field = instance._meta.get_field(attr)
        counter[0] += 1
        value, text = _value(shape, field, counter[0])
        setattr(instance, attr, value)
        expected[(shape, attr)] = text
    instance.full_clean()
    instance.save()


def _filled_algorithm(role: str) -> tuple[Algorithm, dict]:
    """An algorithm whose every registry field holds a distinctive value."""
    from filings.copysheet import SECTIONS

    attrs = {code: fields for code, _title, fields in SECTIONS}
    expected: dict = {}
    counter = [0]
    provider = ProviderFactory()
    _fill(provider, "provider", attrs["entity"], expected, counter)
    algorithm = AlgorithmFactory(
        provider=provider,
        type=choices.AlgorithmType.GENERATION_SYNTHESIS,
        role=role,
        generative_ai_service=True,
    )
    # The type and role stay what this test is about.
    for attr in ("type", "role"):
        field = algorithm._meta.get_field(attr)
        expected[("algorithm", attr)] = _form_text(field, getattr(algorithm, attr))
    own = [a for a in attrs["basic"] + attrs["detail"] if a not in ("type", "role")]
    if role == choices.Role.TECHNICAL_SUPPORTER:
        own += attrs["modes"]  # the form asks a supporter how it serves, not for products
    _fill(algorithm, "algorithm", own, expected, counter)
    if role == choices.Role.SERVICE_PROVIDER:
        service = ServiceFactory(provider=provider)
        _fill(service, "service", attrs["service"], expected, counter)
        deployment = DeploymentFactory(algorithm=algorithm, service=service)
        _fill(deployment, "deployment", attrs["deployment"], expected, counter)
    disclosure = _setdefault(Disclosure, algorithm)
    _fill(disclosure, "disclosure", attrs["disclosure"], expected, counter)
    ThirdPartyModelFactory(algorithm=algorithm, **THIRD_PARTY)
    FilingFactory(algorithm=algorithm, filing_number=FILING_NUMBER)
    return algorithm, expected


@pytest.mark.parametrize("role", [choices.Role.SERVICE_PROVIDER, choices.Role.TECHNICAL_SUPPORTER])
def test_every_registry_field_reaches_the_form(role, pdf):
    algorithm, expected = _filled_algorithm(role)
    snapshot = algorithm_snapshot(algorithm)
    # Every row of the form holds a value (a field added to the registry
    # and not filled here fails this line).
    empty = [
        (section.code, row.label)
        for section in copy_sheet(snapshot)
        for row in section.rows
        if not row.text
    ]
    assert empty == []
    prepared = prepare(algorithm)
    flat = _flat(pdf.text(render(prepared.snapshot, "form", context=prepared.context), "-raw"))

    for (shape, attr), text in expected.items():
        assert _flat(text) in flat, (shape, attr, text)
    for section in copy_sheet(snapshot):
        for row in section.rows:
            assert _flat(row.text) in flat, (section.code, row.label, row.text)
    for text in (*THIRD_PARTY.values(), FILING_NUMBER):
        assert text in flat, text
    # The long identifiers, whole (checked above; here: they were part of it).
    assert {WEBSITE, EMAIL} <= set(expected.values())
    assert (ACCESS_URL in expected.values()) == (role == choices.Role.SERVICE_PROVIDER)
    assert sum(len(t) > 24 and " " not in t for t in expected.values()) >= 10
    assert "（未填写）" not in flat


# ---------------------------------------------------------------------------
# 证件有效期: empty means long-term
# ---------------------------------------------------------------------------


def _validity_row(snapshot: dict):
    from filings.copysheet import SECTIONS

    attrs = next(fields for code, _title, fields in SECTIONS if code == "entity")
    entity = next(s for s in copy_sheet(snapshot) if s.code == "entity")
    return entity.rows[attrs.index("certificate_valid_until")]


class TestCertificateValidity:
    def test_an_empty_validity_of_a_certificate_reads_long_term(self):
        provider = ProviderFactory(
            certificate_type=choices.CertificateType.BUSINESS_LICENSE, certificate_valid_until=None
        )
        algorithm = AlgorithmFactory(provider=provider)
        snapshot = algorithm_snapshot(algorithm)
        assert _validity_row(snapshot).text == "长期"
        prepared = prepare(algorithm)
        html = render_html(prepared.snapshot, "form", context=prepared.context)
        label = _validity_row(snapshot).label_zh
        row = re.search(rf"<th>{re.escape(label)}.*?</tr>", html, re.S)
        assert row is not None, label
        assert "长期" in row.group(0) and "未填写" not in row.group(0)

    def test_a_date_is_printed_and_no_certificate_is_missing(self):
        dated = ProviderFactory(
            certificate_type=choices.CertificateType.BUSINESS_LICENSE,
            certificate_valid_until=dt.date(2030, 6, 30),
        )
        assert (
            _validity_row(algorithm_snapshot(AlgorithmFactory(provider=dated))).text == "2030-06-30"
        )
        # Without a certificate there is nothing to be long-term.
        bare = ProviderFactory(certificate_type="", certificate_valid_until=None)
        assert _validity_row(algorithm_snapshot(AlgorithmFactory(provider=bare))).text == ""

    def test_the_copy_sheet_page_says_long_term(self, client, member_factory):
        provider = ProviderFactory(
            certificate_type=choices.CertificateType.BUSINESS_LICENSE, certificate_valid_until=None
        )
        algorithm = AlgorithmFactory(provider=provider)
        client.force_login(member_factory(provider.workspace))
        page = client.get(
            reverse("filings:copy-sheet", args=[provider.workspace.slug, algorithm.pk])
        )
        assert page.status_code == 200
        assert "长期" in page.content.decode()


# ---------------------------------------------------------------------------
# 拟公示内容: the last rows never sit alone on a page
# ---------------------------------------------------------------------------


def test_the_disclosures_last_rows_stay_with_the_rest(feed, pdf):
    """However long the mechanism text, the date row keeps its table and the
    last row of the content table keeps the row before it."""
    prepared = prepare(feed)
    disclosure = prepared.snapshot["providers"][0]["algorithms"][0]["disclosure"]
    for repeat in range(30, 63, 3):
        disclosure["operating_mechanism"] = "用户请求经过召回、过滤与排序。" * repeat
        pages = pdf.pages(render(prepared.snapshot, "disclosure", context=prepared.context))
        for page in pages:
            text = _flat(page)
            if "公示日期" in text:
                assert "主体名称" in text, (repeat, text[:200])
            if "算法公示情况" in text:
                assert "算法目的意图" in text, (repeat, text[:200])


# ---------------------------------------------------------------------------
# The documents page names each document once
# ---------------------------------------------------------------------------


def test_the_documents_page_names_each_document_once_in_chinese(client, feed):
    """In Chinese the CAC's title and the label are the same words: shown once."""
    client.force_login(feed.workspace.memberships.get(role="owner").user)
    url = reverse("documents:algorithm", args=[feed.workspace.slug, feed.pk])
    chinese = re.sub(
        r"<[^>]+>", " ", client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    )
    assert "算法备案信息表" in chinese
    assert not re.search(r"算法备案信息表\s+算法备案信息表", chinese)
    assert not re.search(r"拟公示内容\s+拟公示内容", chinese)
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Filing information form" in english  # the English label beside the title
