from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from filings.choices import RiskKind
from filings.validators import validate_cac_text
from filings.wizard_forms import PanelForm, _bootstrap

from .models import Answer, Assessment, Metric


class AssessmentDatesForm(PanelForm):
    class Meta:
        model = Assessment
        fields = ["assessed_on", "report_date"]
        widgets = {
            "assessed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "report_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {
            "assessed_on": _("When the self-assessment was carried out (自评估时间)."),
            "report_date": _("When the report was written (报告撰写时间)."),
        }


class ConclusionForm(PanelForm):
    class Meta:
        model = Assessment
        fields = ["conclusion"]
        widgets = {"conclusion": forms.Textarea(attrs={"rows": 5})}
        help_texts = {
            "conclusion": _(
                "安全评估结论: the overall result, the gaps and the plan to close them."
            )
        }


class AnswerForm(PanelForm):
    class Meta:
        model = Answer
        fields = ["status", "measures", "justification", "rectification", "rectification_due"]
        widgets = {
            "measures": forms.Textarea(attrs={"rows": 3}),
            "justification": forms.Textarea(attrs={"rows": 2}),
            "rectification": forms.Textarea(attrs={"rows": 2}),
            "rectification_due": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {
            "measures": _("What is in place: systems, technical measures, where a user sees them."),
            "justification": _(
                "Needed for “Not applicable” and “Partially compliant”: why, and for a partial "
                "answer the plan and date."
            ),
            "rectification": _(
                "Needed for “Non-compliant”: what will be done to close the gap (整改措施)."
            ),
            "rectification_due": _("Needed for “Non-compliant”: by when (整改时限)."),
        }


class MetricsForm(forms.Form):
    """The TC260-003 quantities that apply, as numbers checked against the catalogue's thresholds."""

    def __init__(self, *args, metrics: list[Metric], **kwargs):
        super().__init__(*args, **kwargs)
        self.metrics = {m.metric_id: m for m in metrics}
        for metric in metrics:
            percent = metric.unit == Metric.Unit.PERCENT
            self.fields[metric.metric_id] = forms.DecimalField(
                label=metric.label,
                required=False,
                min_value=Decimal(0),
                max_value=Decimal(100) if percent else None,
                decimal_places=2 if percent else 0,
                help_text=_("Threshold: %(comparator)s %(threshold)s%(unit)s")
                % {
                    "comparator": metric.comparator.replace(">=", "≥").replace("<=", "≤"),
                    "threshold": metric.threshold.normalize(),
                    "unit": " %" if percent else "",
                },
            )
            _bootstrap(self.fields[metric.metric_id].widget)


class RisksForm(forms.Form):
    """评估算法风险描述: one text per risk type of the report's header."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, label in RiskKind.choices:
            self.fields[code] = forms.CharField(
                label=capfirst(label),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                validators=[validate_cac_text],
            )
            _bootstrap(self.fields[code].widget)
