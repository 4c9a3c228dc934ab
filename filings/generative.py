"""Generative-AI services: which route (大模型备案 or 登记) and the upstream model's number.

shared/domain/gai-filing-reference.md §3 and §4.5: an own model, or a filed
model fine-tuned or otherwise changed, goes the 备案 route (national review,
备案号); a service that only calls a filed model through its API, unchanged,
goes the 登记 route (provincial, 上线编号) with the upstream model's number as
evidence. A provider of a generative-AI service includes one that offers it
through a programmable interface (GAI-2023 Art 22), so a model platform that
offers an API is a provider too.

Everything here works on an Algorithm or on its interchange shape (the
algorithm object of a snapshot), so checks, applicability, materials and
pages agree.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from .choices import AlgorithmType, ModelSource, Role, TechnicalServiceMode

Route = Literal["filing", "registration"]

FILING: Route = "filing"
REGISTRATION: Route = "registration"

# Technical service modes through which a technical supporter offers the
# generative service itself to others (GAI-2023 Art 22 "通过提供可编程接口等方式").
API_MODES = frozenset({TechnicalServiceMode.API.value, TechnicalServiceMode.OPEN_PLATFORM.value})


def _data(algorithm_or_snapshot: Any) -> dict:
    """The interchange-shaped algorithm data of a model instance or a snapshot.

    Accepts an Algorithm, an algorithm object of a snapshot, or a whole
    algorithm snapshot (providers[0].algorithms[0]).
    """
    obj = algorithm_or_snapshot
    if isinstance(obj, dict):
        if "providers" in obj:
            providers = obj.get("providers") or [{}]
            algorithms = providers[0].get("algorithms") or [{}]
            return algorithms[0]
        return obj
    third_party = list(obj.third_party_models.all()) if obj.pk else []
    return {
        "type": obj.type,
        "role": obj.role,
        "generative_ai_service": obj.generative_ai_service,
        "technical_service_modes": list(obj.technical_service_modes or []),
        "third_party_models": [{"name": m.name} for m in third_party],
        "x": {"model_source": obj.model_source},
    }


def offers_generative_api(algorithm_or_snapshot: Any) -> bool:
    """A generation-and-synthesis technical supporter offering an API or an open platform."""
    data = _data(algorithm_or_snapshot)
    return (
        data.get("type") == AlgorithmType.GENERATION_SYNTHESIS
        and data.get("role") == Role.TECHNICAL_SUPPORTER
        and bool(API_MODES & set(data.get("technical_service_modes") or []))
    )


def is_generative_provider(algorithm_or_snapshot: Any) -> bool:
    """Whether the algorithm's filer provides a generative-AI service (GAI-2023 Art 22):
    marked as a public generative-AI service, or offering one through an API."""
    data = _data(algorithm_or_snapshot)
    return data.get("generative_ai_service") is True or offers_generative_api(data)


def model_source(algorithm_or_snapshot: Any) -> str:
    """The answer to "where does the model come from" (ModelSource value), or "" when unanswered."""
    data = _data(algorithm_or_snapshot)
    return (data.get("x") or {}).get("model_source") or ""


def route(algorithm_or_snapshot: Any) -> Route | None:
    """The generative-AI route of an algorithm: "filing" (大模型备案), "registration" (登记)
    or None when it provides no generative-AI service (is_generative_provider).

    Takes an Algorithm, its snapshot (filings.interchange.algorithm_snapshot) or
    the algorithm object inside one. Decided by the model-source answer:
    own model or a filed model fine-tuned/changed → "filing"; a filed model
    called through its API unchanged → "registration". While the question is
    unanswered the route is inferred (no third-party model → "filing", else
    "registration") and the check `generative_model_source_missing` reports
    the missing answer as an error, so the inference never reaches approval.
    """
    data = _data(algorithm_or_snapshot)
    if not is_generative_provider(data):
        return None
    source = model_source(data)
    if source in (ModelSource.OWN, ModelSource.MODIFIED):
        return FILING
    if source == ModelSource.API_UNCHANGED:
        return REGISTRATION
    return REGISTRATION if data.get("third_party_models") else FILING


# ---------------------------------------------------------------------------
# 大模型备案号 / 上线编号 (gai-filing-reference.md §4.5)
# ---------------------------------------------------------------------------

# Permissive on purpose: names may contain hyphens and digits (parsed from the
# right), province tokens vary in case; a malformed number is a warning only.
GAI_NUMBER_RE = re.compile(
    r"^(?P<province>[A-Za-z]+)-(?P<name>[A-Za-z0-9-]+?)-(?P<date>20\d{6})(?P<suffix>\d{4}|S\d{4})?$"
)

# Province tokens of the published numbers -> 属地 (ShanXi stands for both 山西 and 陕西).
PROVINCE_ALIASES: dict[str, tuple[str, ...]] = {
    "beijing": ("北京市",),
    "tianjin": ("天津市",),
    "hebei": ("河北省",),
    "shanxi": ("山西省", "陕西省"),
    "shaanxi": ("陕西省",),
    "neimenggu": ("内蒙古自治区",),
    "neimengu": ("内蒙古自治区",),
    "innermongolia": ("内蒙古自治区",),
    "liaoning": ("辽宁省",),
    "jilin": ("吉林省",),
    "heilongjiang": ("黑龙江省",),
    "shanghai": ("上海市",),
    "jiangsu": ("江苏省",),
    "zhejiang": ("浙江省",),
    "anhui": ("安徽省",),
    "fujian": ("福建省",),
    "jiangxi": ("江西省",),
    "shandong": ("山东省",),
    "henan": ("河南省",),
    "hubei": ("湖北省",),
    "hunan": ("湖南省",),
    "guangdong": ("广东省",),
    "guangxi": ("广西壮族自治区",),
    "hainan": ("海南省",),
    "chongqing": ("重庆市",),
    "sichuan": ("四川省",),
    "guizhou": ("贵州省",),
    "yunnan": ("云南省",),
    "xizang": ("西藏自治区",),
    "gansu": ("甘肃省",),
    "qinghai": ("青海省",),
    "ningxia": ("宁夏回族自治区",),
    "xinjiang": ("新疆维吾尔自治区",),
    "bingtuan": ("新疆生产建设兵团",),
    "zhongyangqiye": ("中央企业",),
}


def parse_gai_number(number: str) -> dict | None:
    """The parts of a 大模型备案号 / 上线编号, or None when it does not follow the grammar.

    {"province", "name", "date" (YYYYMMDD), "kind": "备案" | "登记", "known_province": bool}
    """
    m = GAI_NUMBER_RE.match((number or "").strip())
    if not m:
        return None
    suffix = m.group("suffix") or ""
    return {
        "province": m.group("province"),
        "name": m.group("name"),
        "date": m.group("date"),
        "kind": "登记" if suffix.startswith("S") else "备案",
        "known_province": m.group("province").lower() in PROVINCE_ALIASES,
    }


def normalize_gai_number(number: str) -> str:
    """The form numbers are matched in: stripped, case-folded (ZheJiang = Zhejiang)."""
    return re.sub(r"\s+", "", number or "").casefold()
