"""Applicable items, answer status and TC260-003 metric checks.

Applicability is computed, never stored: a change to the algorithm's type,
role, generative-AI flag or to its services' attributes shows up the next
time these functions run. Answers are never deleted here; an answer whose
item stopped applying is reported as inactive and comes back when the item
applies again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from filings.models import Algorithm

from .applicability import algorithm_document, algorithm_facts, evaluate
from .catalogue import ensure_loaded
from .models import Answer, CatalogueItem, Metric


def applicable_items(
    document: dict, provider_index: int, algorithm_index: int
) -> list[CatalogueItem]:
    """The active catalogue items that apply to one algorithm of an interchange document."""
    ensure_loaded()
    facts = algorithm_facts(document, provider_index, algorithm_index)
    return [
        item
        for item in CatalogueItem.objects.filter(active=True).order_by("position", "item_id")
        if evaluate(item.applies_when, facts)
    ]


@dataclass
class StatusRow:
    item_id: str
    item: CatalogueItem | None  # None: the id is unknown to the catalogue
    answer: Answer | None

    @property
    def area(self) -> str | None:
        return self.item.area if self.item else None

    @property
    def status(self) -> str | None:
        """The answer's status code, or None when unanswered."""
        return (self.answer.status or None) if self.answer else None


@dataclass
class AssessmentStatus:
    facts: dict[str, Any]
    rows: list[StatusRow] = field(default_factory=list)  # applicable items, in catalogue order
    inactive: list[StatusRow] = field(default_factory=list)  # answers to items that do not apply


def assessment_status(algorithm: Algorithm) -> AssessmentStatus:
    """Join the items that apply to `algorithm` with its answers, by item id."""
    document, p, a = algorithm_document(algorithm)
    facts = algorithm_facts(document, p, a)
    items = applicable_items(document, p, a)
    answers = {
        answer.item: answer for answer in Answer.objects.filter(assessment__algorithm=algorithm)
    }
    rows = [StatusRow(item.item_id, item, answers.pop(item.item_id, None)) for item in items]
    known = CatalogueItem.objects.in_bulk(list(answers), field_name="item_id")
    inactive = [
        StatusRow(item_id, known.get(item_id), answer)
        for item_id, answer in sorted(answers.items())
    ]
    return AssessmentStatus(facts=facts, rows=rows, inactive=inactive)


def _number(value: Any) -> Decimal | None:
    # JSON gives int or float; bool is an int in Python but never a measurement.
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        return None
    try:
        number = Decimal(str(value))  # str(): 95.9 stays 95.9, not its binary neighbour
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def check_metrics(metrics: dict) -> list[dict]:
    """Check measured quantities (Assessment.metrics: metric id -> number) against
    the catalogue's thresholds.

    One row per active metric, in catalogue order: {metric, value, threshold,
    comparator, passes}. At the limit passes (">= 4000" accepts 4000, "<= 5"
    accepts 5). `passes` is None when the value is missing or not a usable
    number (negative, or a percentage above 100). Keys that name no metric are
    ignored.
    """
    ensure_loaded()
    rows = []
    for metric in Metric.objects.filter(active=True).order_by("position", "metric_id"):
        value = (metrics or {}).get(metric.metric_id)
        number = _number(value)
        usable = (
            number is not None
            and number >= 0
            and not (metric.unit == Metric.Unit.PERCENT and number > 100)
        )
        rows.append(
            {
                "metric": metric.metric_id,
                "value": value,
                "threshold": metric.threshold,
                "comparator": metric.comparator,
                "passes": metric.passes(number) if usable else None,
            }
        )
    return rows


@dataclass
class Summary:
    """What the report's 五、安全评估结论 rests on: items by status, gaps, completeness."""

    counts: dict[str, int]
    applicable: int
    answered: int
    gaps: list[StatusRow]  # partially compliant or non-compliant, in catalogue order
    missing_justification: list[StatusRow]  # 不适用 / 部分符合 without a justification

    @property
    def completeness(self) -> int:
        return round(100 * self.answered / self.applicable) if self.applicable else 100


NEEDS_JUSTIFICATION = frozenset({"not_applicable", "partial"})
GAP_STATUSES = frozenset({"partial", "non_compliant"})


def summarise(status: AssessmentStatus) -> Summary:
    counts = {code: 0 for code in ("compliant", "partial", "non_compliant", "not_applicable")}
    answered = 0
    gaps, missing = [], []
    for row in status.rows:
        code = row.status
        if not code:
            continue
        answered += 1
        counts[code] += 1
        if code in GAP_STATUSES:
            gaps.append(row)
        if code in NEEDS_JUSTIFICATION and not (row.answer.justification or "").strip():
            missing.append(row)
    return Summary(counts, len(status.rows), answered, gaps, missing)


def suggested_conclusion(summary: Summary, algorithm_name: str) -> str:
    """A starting point for the conclusion, in the report's language (Chinese); the user edits it."""
    counts = summary.counts
    text = (
        f"经对“{algorithm_name}”开展算法安全自评估，共评估适用事项{summary.applicable}项，"
        f"其中符合{counts['compliant']}项、部分符合{counts['partial']}项、不符合{counts['non_compliant']}项、"
        f"不适用{counts['not_applicable']}项"
    )
    unanswered = summary.applicable - summary.answered
    if unanswered:
        text += f"，尚有{unanswered}项未评估"
    if summary.gaps:
        text += (
            "。针对部分符合和不符合的事项，已制定整改措施并明确完成时限，整改完成前采取相应的临时防范措施。"
            "评估认为，该算法在落实整改措施后安全风险可控。"
        )
    else:
        text += "。评估认为，该算法已建立相应的安全管理制度和技术措施，安全风险总体可控。"
    return text
