"""What each document says, computed from a snapshot and its gathered
context: plain values for the templates, no database.

The outlines follow shared/domain/cac-filing-reference.md §2.2–2.6 and §3.1
and portal-details.md §3. Codes become the portal's Chinese wording through
the project's translations (as filings.copysheet does); headings are
written in Chinese in the templates, since the CAC reads Chinese.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from typing import Any

from django.utils import translation

from filings import choices
from filings.citations import chinese_number, cite_all, cite_en
from filings.copysheet import copy_sheet

from . import package

# A field longer than this is cut, with a visible note: the CAC's fields are
# a few hundred to a few thousand characters, and an unbounded text would
# only make the worker slow.
MAX_FIELD_CHARS = 20_000
# Runs of characters with no line-break opportunity (a long URL, a pasted
# hash, "AAAA…") get an invisible break (U+200B, which WeasyPrint draws as
# no glyph: the PDF's text layer, pdftotext and copy-paste never see it)
# every few characters, so that they wrap inside their cell instead of
# running off the page. The stylesheet's `overflow-wrap: anywhere` would
# wrap them too, but WeasyPrint's emergency wrapping is quadratic in a run's
# length (a 20,000-character run takes ~12 s, against well under 1 s here).
# Only the display values `build` returns get these breaks, never the
# snapshot: ids, codes and keys are what answers, choices and services are
# matched on (an item id "ARS-7-management-systems" with a U+200B in it
# matches no answer).
_UNBREAKABLE_RUN = re.compile(r"[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]{24,}")
_BREAK_EVERY = 12
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
ZWSP = "\u200b"

# ---------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------


def _break_run(match: re.Match) -> str:
    run = match.group(0)
    return ZWSP.join(run[i : i + _BREAK_EVERY] for i in range(0, len(run), _BREAK_EVERY))


def printable(text: str) -> str:
    """User text made safe for the page layout (HTML escaping is the template's job)."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if len(text) > MAX_FIELD_CHARS:
        total = len(text)
        text = (
            text[:MAX_FIELD_CHARS]
            + f"……【本栏共 {total:,} 字，超过文档排版上限 {MAX_FIELD_CHARS:,} 字，其余部分未列出】"
        )
    return _UNBREAKABLE_RUN.sub(_break_run, text)


# Keys of `build`'s result whose values are codes or identifiers the
# templates compare or put in a class (status-{{ item.status }}), or digests:
# they are shown, if at all, as they are.
VERBATIM_KEYS = frozenset(
    {
        "id",
        "code",
        "status",
        "area",
        "filing_kind",
        "unit",
        "comparator",
        "hash",
        "hash12",
        "digest",
        # documents.package: attachment digests and the image URLs made of them.
        "sha256",
        "sha12",
        "src",
        "item",
    }
)


def _printable_tree(value: Any) -> Any:
    """`printable` applied to every display string of `build`'s result.

    Never to a snapshot: see _UNBREAKABLE_RUN.
    """
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, list):
        return [_printable_tree(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_printable_tree(v) for v in value)
    if isinstance(value, dict):
        return {k: v if k in VERBATIM_KEYS else _printable_tree(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # filings.copysheet's sections and rows.
        return dataclasses.replace(
            value,
            **{
                f.name: _printable_tree(getattr(value, f.name))
                for f in dataclasses.fields(value)
                if f.init and f.name not in VERBATIM_KEYS
            },
        )
    return value


def for_display(build_function):
    """Decorates `build`: its result, and only that, is made printable."""

    @functools.wraps(build_function)
    def wrapper(*args, **kwargs):
        return _printable_tree(build_function(*args, **kwargs))

    return wrapper


def short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def zh(label: Any) -> str:
    with translation.override("zh-hans"):
        return str(label)


def en(label: Any) -> str:
    with translation.override("en"):
        return str(label)


def choice(choices_class, code: str | None, *, language: str = "zh-hans") -> str:
    if not code:
        return ""
    try:
        label = choices_class(code).label
    except ValueError:
        return str(code)
    with translation.override(language):
        return str(label)


def date_zh(value: str | None) -> str:
    if not value:
        return ""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return value
    return f"{day.year}年{day.month}月{day.day}日"


def yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return "是" if value else "否"


def count(value: int | None) -> str:
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else ""


# ---------------------------------------------------------------------------
# The parts of the snapshot
# ---------------------------------------------------------------------------


def _filing(context: dict) -> dict:
    """The filing's lifecycle printed beside the content (filings.snapshot.lifecycle):
    kind, status, number, and `final` when the content is the approved/filed
    version; the snapshot itself holds no filing records."""
    return context.get("lifecycle") or {}


def _services_used(provider: dict, algorithm: dict) -> list[dict]:
    services = {s.get("key"): s for s in provider.get("services") or []}
    out: list[dict] = []
    seen: dict[str, dict] = {}
    for deployment in algorithm.get("deployments") or []:
        service = services.get(deployment.get("service"))
        if service is None:
            continue
        key = service.get("key")
        if key not in seen:
            seen[key] = {"service": service, "deployments": []}
            out.append(seen[key])
        seen[key]["deployments"].append(deployment)
    return out


def _service_row(entry: dict) -> dict:
    service = entry["service"]
    x = service.get("x") or {}
    features = [choice(choices.OpinionFeature, f) for f in x.get("opinion_features") or []]
    return {
        "name": service.get("name") or "",
        "form": choice(choices.ServiceForm, service.get("form")),
        "access_url": service.get("access_url") or "",
        "status": choice(choices.LaunchStatus, service.get("status")),
        "launch_date": date_zh(service.get("launch_date")),
        "target_users": service.get("target_users") or "",
        "real_name": yes_no(service.get("real_name_required")),
        "prior_licences": service.get("prior_licences") or "",
        "dau": count(service.get("dau")),
        "mau": count(service.get("mau")),
        "public_opinion": yes_no(service.get("public_opinion_attributes")),
        "mobilization": yes_no(service.get("social_mobilization")),
        "features": "、".join(features),
        "functions": [
            {
                "name": d.get("function_name") or "",
                "description": d.get("function_description") or "",
                "path": " → ".join(d.get("access_path") or []),
            }
            for d in entry["deployments"]
        ],
    }


def _users_text(services: list[dict]) -> str:
    parts = []
    for s in services:
        figures = []
        if s["dau"]:
            figures.append(f"日活跃用户约 {s['dau']}")
        if s["mau"]:
            figures.append(f"月活跃用户约 {s['mau']}")
        if figures:
            parts.append(f"{s['name']}：{'，'.join(figures)}")
    return "；".join(parts)


def _impact_text(services: list[dict]) -> str:
    parts = []
    for s in services:
        if s["public_opinion"] == "是" or s["mobilization"] == "是" or s["features"]:
            text = f"{s['name']}具有舆论属性或社会动员能力"
            if s["features"]:
                text += f"（{s['features']}）"
            parts.append(text)
        elif s["public_opinion"] == "否" and s["mobilization"] == "否":
            parts.append(f"{s['name']}不具有舆论属性或社会动员能力")
    return "；".join(parts)


def _answers(algorithm: dict) -> dict[str, dict]:
    return {
        a.get("item"): a
        for a in (algorithm.get("assessment") or {}).get("answers") or []
        if a.get("item")
    }


# The report states each item as a filer would sign it: the catalogue's statement
# ("本单位已…。", assessments.catalogue.statement_problems) when it is met, and the
# same requirement, named as such, when it is met in part, not met, or does not apply.
STATEMENT_PREFIX_ZH = "本单位已"
STATEMENT_PREFIX_EN = "The provider has "
# By status: (opening, label of the measures, label of the justification), zh then en.
_PROSE = {
    "compliant": ("{statement}", "具体措施", "说明"),
    "partial": ("本单位已部分落实以下要求，尚存差距：{requirement}。", "已采取的措施", "差距"),
    "non_compliant": ("本单位尚未落实以下要求：{requirement}。", "已采取的措施", "差距"),
    "not_applicable": ("以下要求不适用于本算法：{requirement}。", "补充说明", "不适用的理由"),
    "unanswered": ("本项尚未评估：{requirement}。", "措施", "说明"),
}
_PROSE_EN = {
    "compliant": ("{statement}", "Measures", "Note"),
    "partial": ("Partly met, with gaps: {requirement}.", "Measures taken", "Gap"),
    "non_compliant": ("Not yet met: {requirement}.", "Measures taken", "Gap"),
    "not_applicable": ("Does not apply to this algorithm: {requirement}.", "Note", "Reason"),
    "unanswered": ("Not yet assessed: {requirement}.", "Measures", "Note"),
}


def _requirement_zh(item: dict) -> str:
    """The statement without "本单位已" and its full stop: 建立健全算法安全管理制度…"""
    statement = (item.get("statement_zh") or "").strip()
    if statement.startswith(STATEMENT_PREFIX_ZH):
        return statement[len(STATEMENT_PREFIX_ZH) :].rstrip("。")
    # A catalogue loaded before statements existed: the question, without its asking.
    return (item.get("question_zh") or item.get("id") or "").replace("是否", "").rstrip("？?")


def _requirement_en(item: dict) -> str:
    statement = (item.get("statement_en") or "").strip()
    if statement.startswith(STATEMENT_PREFIX_EN):
        return statement[len(STATEMENT_PREFIX_EN) :].rstrip(".")
    return (item.get("question_en") or item.get("id") or "").rstrip("?")


def _dated(item: dict, context: dict) -> list[dict]:
    from assessments.citations import dated_basis

    return dated_basis(
        item.get("basis"), context.get("regulations") or {}, context.get("report_date")
    )


def _item_row(item: dict, answer: dict | None, number: int, context: dict) -> dict:
    regulations = context.get("regulations") or {}
    answer = answer or {}
    status = answer.get("status") or ""
    key = status if status in _PROSE else "unanswered"
    requirement_zh, requirement_en = _requirement_zh(item), _requirement_en(item)
    fallback_zh = f"本单位已落实以下要求：{requirement_zh}。"
    statement_zh = (item.get("statement_zh") or "").strip() or fallback_zh
    statement_en = (item.get("statement_en") or "").strip() or f"Met: {requirement_en}."
    opening, measures_label, justification_label = _PROSE[key]
    opening_en, measures_label_en, justification_label_en = _PROSE_EN[key]
    extra = answer.get("x") or {}
    rectification = extra.get("rectification") or answer.get("rectification") or ""
    due = extra.get("rectification_due") or answer.get("rectification_due") or ""
    return {
        "number": number,
        "id": item["id"],
        "area": item.get("area") or "",
        "question_zh": item.get("question_zh") or "",
        "question_en": item.get("question_en") or "",
        "requirement_zh": requirement_zh,
        "requirement_en": requirement_en,
        "prose_zh": opening.format(statement=statement_zh, requirement=requirement_zh),
        "prose_en": opening_en.format(statement=statement_en, requirement=requirement_en),
        "measures_label": measures_label,
        "measures_label_en": measures_label_en,
        "justification_label": justification_label,
        "justification_label_en": justification_label_en,
        "status": key,
        "status_zh": choice(choices.AnswerStatus, status) if status else "未评估",
        "status_en": choice(choices.AnswerStatus, status, language="en")
        if status
        else "Not assessed",
        "measures": answer.get("measures") or "",
        "justification": answer.get("justification") or "",
        # 部分符合 / 不符合: the plan and its deadline (shown as missing when absent).
        "needs_rectification": key in ("partial", "non_compliant"),
        "rectification": rectification,
        "rectification_due": date_zh(due) if due else "",
        # TC260-003 or GB/T 45654-2025 by the report's date (I12-E).
        "citations": cite_all(_dated(item, context), regulations),
        "citations_en": [cite_en(ref, regulations) for ref in _dated(item, context)],
        # The numbers of the figures that show this item's evidence (set by `build`).
        "figures": [],
    }


def _sections(rows: list[dict], context: dict) -> list[dict]:
    """四、风险防控情况 under the template's headings (the catalogue's report_sections, each
    area mapped onto one), every heading shown; within a heading, the items by area.
    An item whose area maps onto no heading is listed under 其他评估事项, never dropped."""
    areas_ctx = context.get("areas") or {}
    area_sections = context.get("area_sections") or {}
    declared = context.get("report_sections") or []
    sections = [
        {
            "code": s.get("code"),
            "title_zh": s.get("zh") or s.get("code") or "",
            "title_en": s.get("en") or "",
            "areas": [],
            "count": 0,
        }
        for s in declared
    ]
    by_code = {s["code"]: s for s in sections}
    for row in rows:
        section = by_code.get(area_sections.get(row["area"]))
        if section is None:
            # A context gathered before the headings existed lists its areas as before.
            code = "other" if declared else f"area:{row['area']}"
            section = by_code.get(code)
            if section is None:
                label = areas_ctx.get(row["area"]) or {}
                section = {
                    "code": code,
                    "title_zh": "其他评估事项" if declared else label.get("zh") or row["area"],
                    "title_en": "Other items" if declared else label.get("en") or "",
                    "areas": [],
                    "count": 0,
                }
                sections.append(section)
                by_code[code] = section
        if not section["areas"] or section["areas"][-1]["code"] != row["area"]:
            label = areas_ctx.get(row["area"]) or {}
            section["areas"].append(
                {
                    "code": row["area"],
                    "label_zh": label.get("zh") or row["area"],
                    "label_en": label.get("en") or "",
                    "items": [],
                }
            )
        section["areas"][-1]["items"].append(row)
        section["count"] += 1
    for i, section in enumerate(sections):
        section["number"] = chinese_number(i + 1)
        # One area alone under a heading needs no sub-heading of its own.
        section["show_areas"] = len(section["areas"]) > 1
    return sections


def _report(provider: dict, algorithm: dict, services: list[dict], context: dict) -> dict:
    assessment = algorithm.get("assessment") or {}
    context = {**context, "report_date": assessment.get("report_date")}
    answers = _answers(algorithm)
    # Numbered in the order of the headings (documents.gather sorts the items so).
    order = {s.get("code"): i for i, s in enumerate(context.get("report_sections") or [])}
    area_sections = context.get("area_sections") or {}
    items = sorted(
        context.get("items") or [],
        key=lambda i: order.get(area_sections.get(i.get("area")), len(order)),
    )
    rows: list[dict] = []
    for item in items:
        rows.append(_item_row(item, answers.get(item["id"]), len(rows) + 1, context))
    sections = _sections(rows, context)
    counts = {code: 0 for code in choices.AnswerStatus.values}
    for row in rows:
        if row["status"] in counts:
            counts[row["status"]] += 1
    unanswered = sum(1 for row in rows if row["status"] == "unanswered")
    gaps = [row for row in rows if row["status"] in ("partial", "non_compliant")]
    risks = assessment.get("risks") or []
    recorded = {}
    for risk in risks:
        recorded.setdefault(risk.get("kind"), []).append(risk.get("description") or "")
    risk_kinds = [
        {
            "number": i + 1,
            "label_zh": choice(choices.RiskKind, code),
            "label_en": choice(choices.RiskKind, code, language="en"),
            "checked": code in recorded,
            "description": "；".join(d for d in recorded.get(code, []) if d),
        }
        for i, code in enumerate(choices.RiskKind.values)
    ]
    inactive = []
    for item in context.get("inactive_items") or []:
        answer = answers.get(item["id"])
        inactive.append(_item_row(item, answer, 0, context))
    metrics = []
    for m in context.get("metrics") or []:
        unit = "%" if m.get("unit") == "percent" else ""
        value = m.get("value")
        metrics.append(
            {
                **m,
                "requirement": f"{'≥' if m.get('comparator') == '>=' else '≤'} {m.get('threshold')}{unit}",
                "measured": "" if value is None else f"{value}{unit}",
                "verdict": {True: "满足", False: "不满足", None: "未提供"}[m.get("passes")],
            }
        )
    disclosure = algorithm.get("disclosure") or {}
    filing = _filing(context)
    return {
        "assessed_on": date_zh(assessment.get("assessed_on")),
        "report_date": date_zh(assessment.get("report_date")),
        "online": algorithm.get("launch_status") == choices.LaunchStatus.ONLINE,
        "not_online": algorithm.get("launch_status") == choices.LaunchStatus.NOT_ONLINE,
        "launch_date": date_zh(algorithm.get("launch_date")),
        "filing_kind": filing.get("kind") or "",
        "description": [
            ("算法简介", "Summary", algorithm.get("summary") or ""),
            (
                "应用范围",
                "Scope of application",
                "；".join(
                    t
                    for t in (
                        "、".join(algorithm.get("application_domains") or []),
                        algorithm.get("usage_scenario") or "",
                    )
                    if t
                ),
            ),
            (
                "服务群体",
                "Users served",
                "；".join(s["target_users"] for s in services if s["target_users"]),
            ),
            ("用户数量", "Number of users", _users_text(services)),
            ("社会影响情况", "Social impact", _impact_text(services)),
            (
                "软硬件设施及部署位置",
                "Hardware, software and location",
                (algorithm.get("x") or {}).get("infrastructure") or "",
            ),
            ("其他", "Other", ""),
        ],
        "risk_kinds": risk_kinds,
        "flow": disclosure.get("operating_mechanism") or "",
        "data_sources": algorithm.get("data", {}).get("sources") or "",
        "biometric": yes_no(algorithm.get("data", {}).get("contains_biometric")),
        "identity": yes_no(algorithm.get("data", {}).get("contains_identity")),
        "model": algorithm.get("model_and_training_data") or "",
        "strategy": algorithm.get("strategy") or "",
        "risks_and_safeguards": algorithm.get("risks_and_safeguards") or "",
        "labelling": algorithm.get("type") == choices.AlgorithmType.GENERATION_SYNTHESIS,
        "labelling_items": [row for row in rows if row["area"] == "labelling"],
        "risks": [
            {
                "label_zh": choice(choices.RiskKind, r.get("kind")),
                "label_en": choice(choices.RiskKind, r.get("kind"), language="en"),
                "description": r.get("description") or "",
            }
            for r in risks
        ],
        "sections": sections,
        "rows": rows,
        "applicable": len(rows),
        "answered": len(rows) - unanswered,
        "unanswered": unanswered,
        "counts": [
            (
                choice(choices.AnswerStatus, code),
                choice(choices.AnswerStatus, code, language="en"),
                counts[code],
            )
            for code in choices.AnswerStatus.values
        ],
        "gaps": gaps,
        "unanswered_numbers": [row["number"] for row in rows if row["status"] == "unanswered"],
        "metrics": metrics,
        "conclusion": assessment.get("conclusion") or "",
        "inactive": inactive,
    }


# The outline of 《落实算法安全主体责任基本情况》, 二、算法安全管理制度建设.
SYSTEM_HEADINGS = (
    ("一", "算法安全自评估制度", "Self-assessment", ("self_assessment",)),
    ("二", "算法安全监测制度", "Monitoring", ("monitoring",)),
    ("三", "算法安全事件应急处置制度", "Incident response", ("incident_response",)),
    ("四", "算法违法违规处置制度", "Handling of violations", ("violation_handling",)),
)


def _responsibility(provider: dict) -> dict:
    organization = provider.get("security_organization") or {}
    officer = provider.get("security_officer") or {}
    systems = provider.get("management_systems") or []

    def entry(system: dict) -> dict:
        return {
            "kind_zh": choice(choices.ManagementSystemKind, system.get("kind")),
            "title": system.get("title") or "",
            "adopted_on": date_zh(system.get("adopted_on")),
            "summary": system.get("summary") or "",
        }

    named_kinds = {kind for *_rest, kinds in SYSTEM_HEADINGS for kind in kinds}
    groups = [
        {
            "number": number,
            "title_zh": title_zh,
            "title_en": title_en,
            "systems": [entry(s) for s in systems if s.get("kind") in kinds],
        }
        for number, title_zh, title_en, kinds in SYSTEM_HEADINGS
    ]
    groups.append(
        {
            "number": "五",
            "title_zh": "其他制度",
            "title_en": "Other systems",
            "systems": [entry(s) for s in systems if s.get("kind") not in named_kinds],
        }
    )
    headcount = organization.get("headcount")
    return {
        "organization": organization.get("name") or "",
        "description": organization.get("description") or "",
        "headcount": f"{headcount} 人" if isinstance(headcount, int) else "",
        "officer": {
            "name": officer.get("name") or "",
            "position": officer.get("position") or "",
            "mobile": officer.get("mobile") or "",
            "email": officer.get("email") or "",
        },
        "groups": groups,
        "staff_requirements": (provider.get("x") or {}).get("staff_requirements") or "",
        "technical_measures": (provider.get("x") or {}).get("technical_measures") or "",
    }


def _form(snapshot: dict, filing: dict) -> dict:
    # English labels come from the same field names, in English.
    with translation.override("en"):
        sections = copy_sheet(snapshot)
    return {
        "sections": sections,
        "filing_kind": choice(choices.FilingKind, filing.get("kind")),
        "filing_status": choice(choices.FilingStatus, filing.get("status")),
        "filing_number": filing.get("filing_number") or "",
    }


@for_display
def build(snapshot: dict, context: dict, *, snapshot_hash: str) -> dict:
    """Everything the templates show, from the snapshot and the gathered context."""
    provider = snapshot["providers"][0]
    algorithm = provider["algorithms"][0]
    filing = _filing(context)
    services = [_service_row(entry) for entry in _services_used(provider, algorithm)]
    officer = provider.get("security_officer") or {}
    entity = provider.get("name") or ""
    name = algorithm.get("name") or ""
    algorithm_type = choice(choices.AlgorithmType, algorithm.get("type"))
    if algorithm.get("type") == choices.AlgorithmType.GENERATION_SYNTHESIS and algorithm.get(
        "role"
    ):
        algorithm_type += f"（{choice(choices.Role, algorithm.get('role'))}）"
    disclosure = algorithm.get("disclosure") or {}
    result = {
        "hash": snapshot_hash,
        "hash12": snapshot_hash[:12],
        "version": context.get("version") or 1,
        # No "草稿 DRAFT" only on exactly the version the approval or filing stands for.
        "approved": bool(filing.get("final")),
        # A review copy: personal numbers masked (documents.models.DocumentJob.masked).
        "masked": bool(context.get("masked")),
        "bilingual": bool(context.get("bilingual")),
        "catalogue_version": context.get("catalogue_version") or "",
        "header": short(" · ".join(t for t in (entity, name) if t) or "（未命名）", 70),
        "entity": entity,
        "uscc": provider.get("uscc") or "",
        "algorithm_name": name,
        "algorithm_type": algorithm_type,
        "domains": "、".join(algorithm.get("application_domains") or []),
        "usage_scenario": algorithm.get("usage_scenario") or "",
        "summary": algorithm.get("summary") or "",
        "supporter": algorithm.get("role") == choices.Role.TECHNICAL_SUPPORTER,
        "modes": "、".join(
            choice(choices.TechnicalServiceMode, m)
            for m in algorithm.get("technical_service_modes") or []
        ),
        "filing_kind": choice(choices.FilingKind, filing.get("kind")) or "首次备案",
        "filing_status": choice(choices.FilingStatus, filing.get("status")) or "草稿",
        "filing_number": filing.get("filing_number") or "",
        "officer_name": officer.get("name") or "",
        "officer_mobile": officer.get("mobile") or "",
        "services": services,
        "models": [
            {
                "name": m.get("name") or "",
                "vendor": m.get("vendor") or "",
                "filing_number": m.get("filing_number") or "",
            }
            for m in algorithm.get("third_party_models") or []
        ],
        "disclosure": [
            ("算法名称", "Algorithm name", name),
            ("算法基本原理", "Basic principle", disclosure.get("basic_principle") or ""),
            ("算法运行机制", "Operating mechanism", disclosure.get("operating_mechanism") or ""),
            ("算法应用场景", "Application scenario", disclosure.get("application_scenario") or ""),
            ("算法目的意图", "Purpose", disclosure.get("purpose") or ""),
            (
                "算法公示情况（选填）",
                "Disclosure so far (optional)",
                disclosure.get("disclosure_note") or "",
            ),
        ],
        "form": _form(snapshot, filing),
        "report": _report(provider, algorithm, services, context),
        "responsibility": _responsibility(provider),
        # documents.package: the materials contents page, the embedded images, the letters.
        "materials": package.materials(context),
        "figures": package.figures(context),
        "letters": package.letters(provider, algorithm, context),
    }
    # Each item's prose refers to the figures that show its evidence (见图3、图4).
    numbers: dict[str, list[int]] = {}
    for figure in (result.get("figures") or {}).get("evidence") or []:
        numbers.setdefault(figure.get("item"), []).append(figure.get("number"))
    for row in result["report"]["rows"]:
        row["figures"] = numbers.get(row["id"], [])
    return result
