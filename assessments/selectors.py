"""The reads of the self-assessment: applicable items, answer status,
TC260-003 metric checks, the summary, and the assessment page's autosaved
parts as stored (their writes are assessments.services).

Applicability is computed, never stored: a change to the algorithm's type,
role, generative-AI flag or to its services' attributes shows up the next
time these functions run. Answers are never deleted; an answer whose item
stopped applying is reported as inactive and comes back when the item
applies again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from filings import placement
from filings.applicability import (
    DOES_NOT_APPLY,
    PROVISIONAL,
    algorithm_document,
    algorithm_facts,
    applicability,
    unknown_facts,
)
from filings.models import Algorithm

from .catalogue import ensure_loaded
from .models import Answer, CatalogueItem, Metric


def applicable_items(
    document: dict, provider_index: int, algorithm_index: int
) -> list[CatalogueItem]:
    """The active catalogue items that apply to one algorithm of an interchange document.

    Items that an unanswered screening question would bring in apply
    provisionally (待确认): they are listed, with `item.provisional` true, and
    drop out only once the question is answered "no" (issue 12 §6). The
    report lists them too; the screening check's error blocks its approval.
    """
    ensure_loaded()
    facts = algorithm_facts(document, provider_index, algorithm_index)
    unknown = unknown_facts(document, provider_index, algorithm_index)
    items = []
    for item in CatalogueItem.objects.filter(active=True).order_by("position", "item_id"):
        applies = applicability(item.applies_when, facts, unknown)
        if applies != DOES_NOT_APPLY:
            item.provisional = applies == PROVISIONAL
            items.append(item)
    return items


@dataclass
class StatusRow:
    item_id: str
    item: CatalogueItem | None  # None: the id is unknown to the catalogue
    answer: Answer | None

    @property
    def area(self) -> str | None:
        return self.item.area if self.item else None

    @property
    def provisional(self) -> bool:
        """Applies only until an open screening question is answered "no" (待确认)."""
        return bool(getattr(self.item, "provisional", False))

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
        # No conclusion without an assessment (filings.checks conclusion_unsupported).
        return text + f"，尚有{unanswered}项未评估。全部适用事项评估完成后，再对安全风险作出结论。"
    if summary.gaps:
        text += (
            "。针对部分符合和不符合的事项，已制定整改措施并明确完成时限，整改完成前采取相应的临时防范措施。"
            "评估认为，该算法在落实整改措施后安全风险可控。"
        )
    else:
        text += "。评估认为，该算法已建立相应的安全管理制度和技术措施，安全风险总体可控。"
    return text


# ---------------------------------------------------------------------------
# The assessment page's parts that are not model forms, as stored: the TC260
# quantities (Assessment.metrics) and the risks (one Risk per kind). Their
# saves are assessments.services.save_dict_panel.
# ---------------------------------------------------------------------------

# Their names and form prefixes are filings.placement's, which links the
# checks' problems to their inputs on this page.
METRICS_PANEL = placement.METRICS_PANEL
RISKS_PANEL = placement.RISKS_PANEL


@dataclass
class DictPanel:
    """One autosaved part of the assessment page, ready to render."""

    kind: str  # METRICS_PANEL or RISKS_PANEL, also the PendingInput target
    prefix: str
    form: Any
    base: str
    errors: dict[str, list[str]] = field(default_factory=dict)
    field_problems: dict = field(default_factory=dict)


def panel_prefix(kind: str, algorithm: Algorithm) -> str:
    """Keyed by the algorithm: the page can show the panel before an Assessment exists."""
    return placement.dict_panel_prefix(kind, algorithm.pk)


def applicable_metrics(status: AssessmentStatus) -> list[Metric]:
    """The active TC260 quantities that the applicable items ask for, in catalogue order."""
    metric_ids = {m for row in status.rows if row.item for m in (row.item.metrics or [])}
    return list(
        Metric.objects.filter(metric_id__in=metric_ids, active=True).order_by(
            "position", "metric_id"
        )
    )


def _metrics_stored(assessment, names) -> dict:
    stored = (assessment.metrics if assessment else None) or {}
    return {name: stored.get(name) for name in names}


def _risks_stored(assessment) -> dict:
    from filings.choices import RiskKind

    texts = {r.kind: r.description for r in assessment.risks.all()} if assessment else {}
    return {code: texts.get(code, "") for code in RiskKind.values}


def base_json(stored: dict) -> str:
    return json.dumps(
        stored, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )


def dict_panel_form(kind: str, algorithm: Algorithm, data=None, *, metrics=None):
    from .forms import MetricsForm, RisksForm

    prefix = panel_prefix(kind, algorithm)
    if kind == METRICS_PANEL:
        return MetricsForm(data, metrics=metrics, prefix=prefix)
    return RisksForm(data, prefix=prefix)


def dict_panel_stored(kind: str, assessment, form) -> dict:
    if kind == METRICS_PANEL:
        return _metrics_stored(assessment, form.fields)
    return _risks_stored(assessment)


def dict_panel(kind: str, algorithm: Algorithm, assessment, *, metrics=None) -> DictPanel:
    """The panel as stored, overlaid by what was typed and refused (PendingInput),
    with the refusals' messages in the reader's language."""
    from filings.models import PendingInput

    form = dict_panel_form(kind, algorithm, metrics=metrics)
    stored = dict_panel_stored(kind, assessment, form)
    pending = (
        PendingInput.objects.filter(target=kind, object_id=assessment.pk).first()
        if assessment
        else None
    )
    raw = {name: entry["value"] for name, entry in (pending.data if pending else {}).items()}
    raw = {name: value for name, value in raw.items() if name in form.fields}
    errors: dict[str, list[str]] = {}
    if raw:
        data = {
            form.add_prefix(name): "" if value is None else str(value)
            for name, value in stored.items()
        }
        data.update({form.add_prefix(name): value for name, value in raw.items()})
        bound = dict_panel_form(kind, algorithm, data, metrics=metrics)
        bound.is_valid()
        errors = {name: list(bound.errors.get(name, [])) for name in raw}
        errors = {name: messages for name, messages in errors.items() if messages}
        form = dict_panel_form(kind, algorithm, metrics=metrics)
        form.initial = {**stored, **raw}
    else:
        form.initial = dict(stored)
    return DictPanel(kind, panel_prefix(kind, algorithm), form, base_json(stored), errors)


def check_catalogue():
    """The catalogue as the checks read it (applicability.CatalogueRules): the
    active items with their conditions and metrics, and the metric thresholds."""
    from filings.applicability import CatalogueRules

    ensure_loaded()
    items = tuple(
        (item.item_id, item.applies_when or {}, tuple(item.metrics or ()))
        for item in CatalogueItem.objects.filter(active=True).order_by("position", "item_id")
    )
    metrics = {
        m.metric_id: (m.comparator, m.threshold, m.unit) for m in Metric.objects.filter(active=True)
    }
    return CatalogueRules(items=items, metrics=metrics)
