"""Legal bases cited as the reports cite them: 《互联网信息服务算法推荐管理规定》第十七条.

The one formatter of a citation, for the PDFs (documents.content), the pages
({% cite %}) and the obligations. The regulations' titles come from the
self-assessment catalogue, which the app that keeps it supplies
(`register_titles`, from assessments' AppConfig.ready()).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 17 → 十七, 20 → 二十, 105 → 一百零五 (up to 999)."""
    if n <= 0 or n >= 1000:
        return str(n)
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    out = ""
    if hundreds:
        out += _DIGITS[hundreds] + "百"
        if rest and tens == 0:
            out += "零"
    if tens:
        out += ("" if tens == 1 and not hundreds else _DIGITS[tens]) + "十"
    if ones:
        out += _DIGITS[ones]
    return out


_CHAPTER = re.compile(r"^\d+$")
_ANNEX = re.compile(r"^[A-Z]$")


def _kind(ref: dict, regulations: dict) -> str:
    """The kind of text cited: "regulation" (by article) or "standard" (by chapter, clause, annex):
    the regulation's kind in the catalogue, else what the reference carries."""
    kind = (regulations.get(ref.get("regulation", "")) or {}).get("kind")
    if kind in ("regulation", "standard"):
        return kind
    return "regulation" if ref.get("article") is not None else "standard"


def _clause_zh(clause: str) -> str:
    """A standard's division as GB/T 1.1 names it: 5 → 第5章, E → 附录E, 5.3 → 第5.3条, A.1 → 附录A.1."""
    if _CHAPTER.match(clause):
        return f"第{clause}章"
    if _ANNEX.match(clause) or clause[:1].isalpha():
        return f"附录{clause}"
    return f"第{clause}条"


def cite(ref: dict, regulations: dict) -> str:
    """One legal basis as the report cites it, by the kind of text cited:
    《互联网信息服务算法推荐管理规定》第十七条 (an article of a regulation);
    《网络安全技术 人工智能生成合成内容标识方法（GB 45438-2025）》附录E,
    《生成式人工智能服务安全基本要求（TC260-003-2024）》第5章 or 第5.3条 (a standard).
    The one formatter of a citation: the pages use it through {% cite %}."""
    code = ref.get("regulation", "")
    title = (regulations.get(code) or {}).get("zh") or code
    return f"《{title}》{_division_zh(ref, regulations)}"


def _division_zh(ref: dict, regulations: dict) -> str:
    """第十七条 / 第5章 / 附录E / 第5.3条, or "" for the whole text."""
    article, clause = ref.get("article"), ref.get("clause")
    if _kind(ref, regulations) == "regulation":
        if article is not None:
            return f"第{chinese_number(int(article))}条"
        return f"第{clause}条" if clause else ""
    division = str(clause if clause else article or "")
    return _clause_zh(division) if division else ""


def cite_all(refs: list[dict], regulations: dict) -> list[str]:
    """A basis as a lawyer writes it: one citation per text, its divisions joined in order
    (《具有舆论属性…安全评估规定》第三条、第六条、第七条), each worded as `cite` words it."""
    order: list[str] = []
    divisions: dict[str, list[str]] = {}
    for ref in refs or []:
        code = ref.get("regulation", "")
        if code not in divisions:
            order.append(code)
            divisions[code] = []
        division = _division_zh(ref, regulations)
        if division and division not in divisions[code]:
            divisions[code].append(division)
    return [
        f"《{(regulations.get(code) or {}).get('zh') or code}》{'、'.join(divisions[code])}"
        for code in order
    ]


def cite_en(ref: dict, regulations: dict | None = None) -> str:
    """ARS-2021 Art. 17; GB-45438 Annex E; TC260-003 ch. 5 / cl. 5.3."""
    code = ref.get("regulation", "")
    article, clause = ref.get("article"), ref.get("clause")
    if _kind(ref, regulations or {}) == "regulation":
        if article is not None:
            return f"{code} Art. {article}"
        return f"{code} Art. {clause}" if clause else code
    division = str(clause if clause else article or "")
    if not division:
        return code
    if _CHAPTER.match(division):
        return f"{code} ch. {division}"
    if division[:1].isalpha():
        return f"{code} Annex {division}"
    return f"{code} cl. {division}"


# ---------------------------------------------------------------------------
# The regulations' titles
# ---------------------------------------------------------------------------

_titles_source: list[Callable[[], dict[str, dict]]] = []


def register_titles(source: Callable[[], dict[str, dict]]) -> None:
    """`source()` gives {code: {"kind", "zh": title, "en": title}} (assessments.citations)."""
    _titles_source[:] = [source]


def regulation_titles() -> dict[str, dict]:
    """The titles of the regulations and standards cited; {} when no app supplies
    them (a citation then names the regulation by its code)."""
    return _titles_source[0]() if _titles_source else {}


def citations(basis: Iterable[Mapping] | Mapping | None, titles: dict | None = None) -> list[str]:
    """Each reference of `basis` (one or a list of {"regulation", "article"|"clause"}) as cited
    in the PDF: one citation per text, its articles or clauses joined (第七条、第九条)."""
    if not basis:
        return []
    refs = [basis] if isinstance(basis, Mapping) else list(basis)
    return cite_all(refs, regulation_titles() if titles is None else titles)
