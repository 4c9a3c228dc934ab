"""Legal bases on the pages, cited as the PDFs cite them: 《互联网信息服务算法推荐管理规定》第十七条.

The wording is filings.citations', the one formatter of a citation; this
module supplies the regulations' titles from the loaded catalogue (registered
as filings.citations' source in AssessmentsConfig.ready()).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def regulation_titles() -> dict[str, dict]:
    """{code: {"kind", "zh": title, "en": title}} of the current catalogue (else of the shipped file)."""
    from .models import CatalogueVersion

    current = CatalogueVersion.current()
    if current is not None:
        regulations = current.regulations or {}
    else:
        from .catalogue import read_catalogue

        regulations = read_catalogue()[0].get("regulations") or {}
    return {
        code: {
            # regulation (cited by article) or standard (by chapter, clause, annex): filings.citations.cite
            "kind": regulation.get("kind", "regulation"),
            "zh": (regulation.get("title") or {}).get("zh", code),
            "en": (regulation.get("title") or {}).get("en", code),
        }
        for code, regulation in regulations.items()
    }


def citations(basis: Iterable[Mapping] | Mapping | None, titles: dict | None = None) -> list[str]:
    """Each reference of `basis` (one or a list of {"regulation", "article"|"clause"}) as cited in the PDF."""
    from filings.citations import citations as cite_basis

    return cite_basis(basis, titles)


def evidence_labels(codes, kinds: dict | None = None) -> list[str]:
    """Evidence kinds of a catalogue item ("policy_document") by their names, in the reader's language."""
    from .models import CatalogueVersion, _prefers_chinese

    if kinds is None:
        current = CatalogueVersion.current()
        kinds = (current.evidence_kinds if current else None) or {}
    language = "zh" if _prefers_chinese() else "en"
    return [str((kinds.get(code) or {}).get(language) or code) for code in codes or []]


def dated_basis(
    basis: Iterable[Mapping] | None, regulations: Mapping, on: str | None
) -> list[dict]:
    """The basis as a report dated `on` (YYYY-MM-DD) cites it (I12-E).

    A reference to a regulation or standard with `succeeded_by` ({"regulation",
    "from", "clauses"}) cites the successor when the report is dated on or after
    `from` (TC260-003 → GB/T 45654-2025 from 2025-11-01), its clause mapped by
    `clauses` on the leading chapter ({"9": "B"}: 9.2 → B). An undated report
    is a draft that will be dated when signed, so it cites what is in force
    now: the successor. Pure: `regulations` is the catalogue's regulations
    (code → entry), as the PDF context carries them.
    """
    out: list[dict] = []
    for ref in basis or []:
        ref = dict(ref)
        succession = (regulations.get(ref.get("regulation")) or {}).get("succeeded_by")
        if succession and (not on or str(on) >= succession.get("from", "")):
            new = {"regulation": succession["regulation"]}
            if "clause" in ref:
                clause = str(ref["clause"])
                chapter = clause.split(".", 1)[0]
                clauses = succession.get("clauses") or {}
                new["clause"] = clauses.get(clause) or clauses.get(chapter) or clause
            elif "article" in ref:
                new["article"] = ref["article"]
            ref = new
        out.append(ref)
    return out
