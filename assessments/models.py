"""The algorithm security self-assessment (算法安全自评估) of one algorithm.

The catalogue of items (what is asked, and on which legal basis) is data
loaded separately; an Answer refers to a catalogue item by its stable id, so
answers survive catalogue updates and items that stop applying.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from filings.choices import AnswerStatus, RiskKind
from filings.models import Algorithm, WorkspaceOwned


class Assessment(WorkspaceOwned):
    checks_cac_text = True  # printed into the self-assessment report

    algorithm = models.OneToOneField(Algorithm, on_delete=models.CASCADE, related_name="assessment")
    assessed_on = models.DateField(_("self-assessment date"), null=True, blank=True)
    report_date = models.DateField(_("report date"), null=True, blank=True)
    metrics = models.JSONField(_("measured quantities"), default=dict, blank=True)
    conclusion = models.TextField(_("conclusion"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("self-assessment")
        verbose_name_plural = _("self-assessments")

    def __str__(self) -> str:
        return str(_("Self-assessment of %(name)s") % {"name": self.algorithm})

    def clean(self) -> None:
        self._check_same_workspace(self.algorithm if self.algorithm_id else None)


class Answer(WorkspaceOwned):
    checks_cac_text = True  # printed into the self-assessment report

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    item = models.CharField(_("catalogue item"), max_length=64)
    status = models.CharField(_("status"), max_length=16, choices=AnswerStatus.choices, blank=True)
    measures = models.TextField(_("measures taken"), blank=True)
    justification = models.TextField(_("justification"), blank=True)
    # 整改措施 and 整改时限 of an item that is not (fully) met.
    rectification = models.TextField(_("rectification plan"), blank=True)
    rectification_due = models.DateField(_("rectification deadline"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["assessment_id", "item"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item"], name="one_answer_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.get_status_display() or '—'}"

    def clean(self) -> None:
        self._check_same_workspace(self.assessment if self.assessment_id else None)


class Risk(WorkspaceOwned):
    checks_cac_text = True  # printed into the self-assessment report

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="risks")
    kind = models.CharField(_("risk type"), max_length=32, choices=RiskKind.choices)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveIntegerField(pgettext_lazy("order in a list", "position"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["assessment_id", "position", "pk"]
        verbose_name = _("risk")
        verbose_name_plural = _("risks")

    def __str__(self) -> str:
        return self.get_kind_display()

    def clean(self) -> None:
        self._check_same_workspace(self.assessment if self.assessment_id else None)


# ---------------------------------------------------------------------------
# The catalogue (loaded from assessments/catalogue/catalogue.json)
# ---------------------------------------------------------------------------


def _prefers_chinese() -> bool:
    language = translation.get_language() or settings.LANGUAGE_CODE
    return language.lower().startswith("zh")


class CatalogueVersion(models.Model):
    """One load of a catalogue file, with the codes the file defines."""

    version = models.CharField(_("version"), max_length=32)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, unique=True)
    source = models.CharField(_("file"), max_length=255, blank=True)
    loaded_at = models.DateTimeField(_("loaded at"), default=timezone.now)
    regulations = models.JSONField(_("regulations"), default=dict)
    areas = models.JSONField(_("areas"), default=list)
    evidence_kinds = models.JSONField(_("evidence kinds"), default=dict)
    # The headings of the report's 四、风险防控情况, which the areas map onto.
    report_sections = models.JSONField(_("report sections"), default=list)

    class Meta:
        ordering = ["-loaded_at", "-pk"]
        get_latest_by = ["loaded_at", "pk"]
        verbose_name = _("catalogue version")
        verbose_name_plural = _("catalogue versions")

    def __str__(self) -> str:
        return f"{self.version} ({self.sha256[:12]})"

    @classmethod
    def current(cls) -> CatalogueVersion | None:
        return cls.objects.order_by("-loaded_at", "-pk").first()

    def area_label(self, code: str) -> str:
        for area in self.areas:
            if area.get("code") == code:
                return area["label"]["zh" if _prefers_chinese() else "en"]
        return code


def catalogue_vocabulary():
    """The codes admin edits are checked against: those of the last loaded
    file (or of the default file before any load), and the metrics in the
    database."""
    from .catalogue import read_catalogue, vocabulary_of

    current = CatalogueVersion.current()
    if current is not None:
        document = {
            "regulations": current.regulations,
            "areas": current.areas,
            "evidence_kinds": current.evidence_kinds,
        }
    else:
        document, _sha = read_catalogue()
    vocabulary = vocabulary_of(document)
    metric_ids = frozenset(Metric.objects.values_list("metric_id", flat=True))
    return dataclasses.replace(vocabulary, metrics=vocabulary.metrics | metric_ids)


def _field_errors(checks: dict[str, list[str]]) -> None:
    errors = {name: problems for name, problems in checks.items() if problems}
    if errors:
        raise ValidationError(errors)


class CatalogueItem(models.Model):
    """One question of the self-assessment, with its legal basis and when it applies."""

    item_id = models.CharField(
        _("item id"),
        max_length=64,
        unique=True,
        help_text=_("Stable: answers refer to it, e.g. ARS-17-opt-out."),
    )
    area = models.CharField(_("area"), max_length=40)
    position = models.PositiveIntegerField(pgettext_lazy("order in a list", "position"), default=0)
    question_zh = models.TextField(_("question (Chinese)"))
    question_en = models.TextField(_("question (English)"))
    # What the report says when the item is met: "本单位已…。" (catalogue.statement_problems).
    statement_zh = models.TextField(_("statement (Chinese)"), blank=True)
    statement_en = models.TextField(_("statement (English)"), blank=True)
    guidance_zh = models.TextField(_("guidance (Chinese)"), blank=True)
    guidance_en = models.TextField(_("guidance (English)"), blank=True)
    evidence = models.JSONField(
        _("evidence expected"), default=list, help_text=_('Evidence kinds, e.g. ["screenshot"].')
    )
    basis = models.JSONField(
        _("legal basis"),
        default=list,
        help_text=_(
            'e.g. [{"regulation": "ARS-2021", "article": 17}] or '
            '[{"regulation": "TC260-003", "clause": "9.2"}].'
        ),
    )
    applies_when = models.JSONField(
        _("applies when"),
        default=dict,
        blank=True,
        help_text=_('Empty: always. e.g. {"fact": "serves_minors", "is": true}.'),
    )
    metrics = models.JSONField(_("metrics"), default=list, blank=True)
    active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Items no longer in the catalogue file are made inactive, never deleted."),
    )
    version = models.ForeignKey(
        CatalogueVersion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="items",
        verbose_name=_("last changed by version"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "item_id"]
        verbose_name = _("catalogue item")
        verbose_name_plural = _("catalogue items")

    def __str__(self) -> str:
        return self.item_id

    @property
    def question(self) -> str:
        return self.question_zh if _prefers_chinese() else self.question_en

    @property
    def guidance(self) -> str:
        return self.guidance_zh if _prefers_chinese() else self.guidance_en

    def clean(self) -> None:
        from filings.applicability import condition_problems

        from .catalogue import (
            area_problems,
            basis_problems,
            evidence_problems,
            metric_ref_problems,
            statement_problems,
        )

        # A cleared field in the admin arrives as None: it means "always" / "none".
        if self.applies_when is None:
            self.applies_when = {}
        if self.metrics is None:
            self.metrics = []
        vocabulary = catalogue_vocabulary()
        _field_errors(
            {
                "area": area_problems(self.area, vocabulary),
                "evidence": evidence_problems(self.evidence, vocabulary),
                "basis": basis_problems(self.basis, vocabulary),
                "applies_when": condition_problems(self.applies_when),
                "metrics": metric_ref_problems(self.metrics, vocabulary),
                "statement_zh": [
                    p
                    for p in statement_problems({"zh": self.statement_zh, "en": self.statement_en})
                    if ".en" not in p
                ],
                "statement_en": [
                    p
                    for p in statement_problems({"zh": self.statement_zh, "en": self.statement_en})
                    if ".en" in p
                ],
            }
        )


class Metric(models.Model):
    """A TC260-003 quantity and its threshold, kept as data so it can be corrected."""

    class Unit(models.TextChoices):
        COUNT = "count", _("count")
        PERCENT = "percent", _("percent")

    class Comparator(models.TextChoices):
        AT_LEAST = ">=", _("at least")
        AT_MOST = "<=", _("at most")

    class Confidence(models.TextChoices):
        FOUND = "F", _("found in a cited source")
        INFERRED = "I", _("inferred")
        MEMORY = "M", _("from memory, unverified")

    metric_id = models.CharField(_("metric id"), max_length=64, unique=True)
    label_zh = models.CharField(_("label (Chinese)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200)
    unit = models.CharField(_("unit"), max_length=16, choices=Unit.choices)
    comparator = models.CharField(_("comparator"), max_length=2, choices=Comparator.choices)
    threshold = models.DecimalField(_("threshold"), max_digits=12, decimal_places=2)
    basis = models.JSONField(_("basis"), default=list)
    confidence = models.CharField(_("confidence"), max_length=1, choices=Confidence.choices)
    position = models.PositiveIntegerField(pgettext_lazy("order in a list", "position"), default=0)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "metric_id"]
        verbose_name = _("metric")
        verbose_name_plural = _("metrics")

    def __str__(self) -> str:
        return f"{self.metric_id} {self.comparator} {self.threshold.normalize():f}"

    @property
    def label(self) -> str:
        return self.label_zh if _prefers_chinese() else self.label_en

    def clean(self) -> None:
        from .catalogue import basis_problems

        errors = {"basis": basis_problems(self.basis, catalogue_vocabulary())}
        if self.threshold is not None and self.threshold < 0:
            errors["threshold"] = [_("A threshold is at least 0.")]
        if self.unit == self.Unit.PERCENT and self.threshold is not None and self.threshold > 100:
            errors["threshold"] = [_("A percentage is at most 100.")]
        _field_errors(errors)

    def passes(self, value: Decimal) -> bool:
        # At the limit passes: ">= 4000" accepts 4000 and "<= 5" accepts 5.
        if self.comparator == self.Comparator.AT_LEAST:
            return value >= self.threshold
        return value <= self.threshold
