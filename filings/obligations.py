"""Which obligations apply to an algorithm: data (data/obligations.json)
evaluated with the same condition language as the self-assessment catalogue."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils import translation

from .applicability import (
    DOES_NOT_APPLY,
    PROVISIONAL,
    algorithm_facts,
    applicability,
    condition_problems,
    unknown_facts,
)

DATA = Path(__file__).resolve().parent / "data" / "obligations.json"


@dataclass(frozen=True)
class Obligation:
    code: str
    basis: tuple[dict, ...]
    title: dict
    explanation: dict
    applies_when: dict
    # Applies only until an open screening question is answered "no" (待确认).
    provisional: bool = False

    def _text(self, texts: dict) -> str:
        return texts["zh"] if translation.get_language() == "zh-hans" else texts["en"]

    @property
    def label(self) -> str:
        return self._text(self.title)

    @property
    def text(self) -> str:
        return self._text(self.explanation)

    @property
    def citation(self) -> str:
        """The legal bases as the PDF cites them: 《…》第二十四条 (filings.citations)."""
        from .citations import citations

        return "；".join(citations(self.basis))


@cache
def load(path: Path = DATA) -> tuple[Obligation, ...]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    obligations = []
    for entry in raw["obligations"]:
        problems = condition_problems(entry["applies_when"], where=entry["code"])
        if problems:
            raise ValueError(f"{path}: {'; '.join(problems)}")
        obligations.append(
            Obligation(
                code=entry["code"],
                basis=tuple(entry["basis"]),
                title=entry["title"],
                explanation=entry["explanation"],
                applies_when=entry["applies_when"],
            )
        )
    return tuple(obligations)


def applicable(
    snapshot: dict, provider_index: int = 0, algorithm_index: int = 0
) -> list[Obligation]:
    """The obligations that apply, and (`provisional`) those an unanswered
    screening question would bring in: they stay listed until it is answered "no"."""
    facts = algorithm_facts(snapshot, provider_index, algorithm_index)
    unknown = unknown_facts(snapshot, provider_index, algorithm_index)
    found = []
    for o in load():
        applies = applicability(o.applies_when, facts, unknown)
        if applies != DOES_NOT_APPLY:
            found.append(dataclasses.replace(o, provisional=applies == PROVISIONAL))
    return found
