"""The algorithm security self-assessment (算法安全自评估) of one algorithm.

The catalogue of items (what is asked, and on which legal basis) is data
loaded separately; an Answer refers to a catalogue item by its stable id, so
answers survive catalogue updates and items that stop applying.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from filings.choices import AnswerStatus, RiskKind
from filings.models import Algorithm, WorkspaceOwned


class Assessment(WorkspaceOwned):
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
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    item = models.CharField(_("catalogue item"), max_length=64)
    status = models.CharField(_("status"), max_length=16, choices=AnswerStatus.choices, blank=True)
    measures = models.TextField(_("measures taken"), blank=True)
    justification = models.TextField(_("justification"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["assessment", "item"]
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
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="risks")
    kind = models.CharField(_("risk type"), max_length=32, choices=RiskKind.choices)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["assessment", "position", "pk"]
        verbose_name = _("risk")
        verbose_name_plural = _("risks")

    def __str__(self) -> str:
        return self.get_kind_display()

    def clean(self) -> None:
        self._check_same_workspace(self.assessment if self.assessment_id else None)
