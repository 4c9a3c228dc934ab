"""Legal bases on the pages, cited as the PDFs cite them: 《互联网信息服务算法推荐管理规定》第十七条.

The wording is documents.content.cite's, the one formatter of a citation;
this module only supplies the regulations' titles from the loaded catalogue.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def regulation_titles() -> dict[str, dict]:
    """{code: {"zh": title, "en": title}} of the current catalogue (else of the shipped file)."""
    from .models import CatalogueVersion

    current = CatalogueVersion.current()
    if current is not None:
        regulations = current.regulations or {}
    else:
        from .catalogue import read_catalogue

        regulations = read_catalogue()[0].get("regulations") or {}
    return {
        code: {
            "zh": (regulation.get("title") or {}).get("zh", code),
            "en": (regulation.get("title") or {}).get("en", code),
        }
        for code, regulation in regulations.items()
    }


def citations(basis: Iterable[Mapping] | Mapping | None, titles: dict | None = None) -> list[str]:
    """Each reference of `basis` (one or a list of {"regulation", "article"|"clause"}) as cited in the PDF."""
    from documents.content import cite

    if not basis:
        return []
    refs = [basis] if isinstance(basis, Mapping) else list(basis)
    titles = regulation_titles() if titles is None else titles
    return [cite(ref, titles) for ref in refs]


def evidence_labels(codes, kinds: dict | None = None) -> list[str]:
    """Evidence kinds of a catalogue item ("policy_document") by their names, in the reader's language."""
    from .models import CatalogueVersion, _prefers_chinese

    if kinds is None:
        current = CatalogueVersion.current()
        kinds = (current.evidence_kinds if current else None) or {}
    language = "zh" if _prefers_chinese() else "en"
    return [str((kinds.get(code) or {}).get(language) or code) for code in codes or []]
