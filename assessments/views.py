"""The self-assessment of one algorithm, inside the filing's flow: the items
that apply, answered one by one (autosaved), the TC260 quantities, the risks
and the conclusion, with a running summary."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from filings import wizard
from filings.forms import AttachmentForm
from filings.models import Algorithm, Attachment
from workspaces.scoping import Access, get_access, get_scoped_or_404

from .forms import MetricsForm, RisksForm
from .models import Answer, Assessment, CatalogueVersion, Metric, Risk
from .services import assessment_status, check_metrics, suggested_conclusion, summarise


def _algorithm(access: Access, pk: int) -> Algorithm:
    return get_scoped_or_404(Algorithm.objects.select_related("provider"), access, pk=pk)


def _assessment(access: Access, algorithm: Algorithm) -> Assessment | None:
    """The algorithm's assessment; created on first visit by someone who may edit."""
    assessment = Assessment.objects.filter(algorithm=algorithm).first()
    if assessment is None and access.can_edit:
        assessment, _created = Assessment.objects.get_or_create(
            algorithm=algorithm, defaults={"workspace": access.workspace}
        )
    return assessment


def _ensure_answers(assessment: Assessment, rows) -> None:
    """An empty answer per applicable item, so that each can be autosaved."""
    missing = [row.item_id for row in rows if row.answer is None]
    if missing:
        Answer.objects.bulk_create(
            [
                Answer(workspace_id=assessment.workspace_id, assessment=assessment, item=item)
                for item in missing
            ],
            ignore_conflicts=True,
        )


def _context(access: Access, algorithm: Algorithm, *, metrics_form=None, risks_form=None) -> dict:
    assessment = _assessment(access, algorithm)
    status = assessment_status(algorithm)
    if (
        assessment is not None
        and access.can_edit
        and any(row.answer is None for row in status.rows)
    ):
        _ensure_answers(assessment, status.rows)
        status = assessment_status(algorithm)
    pending = wizard.pending_for([("answer", row.answer) for row in status.rows if row.answer])
    if assessment is not None:
        pending.update(
            wizard.pending_for(
                [("assessment-dates", assessment), ("assessment-conclusion", assessment)]
            )
        )
    version = CatalogueVersion.current()
    evidence = {}
    for attachment in Attachment.objects.filter(algorithm=algorithm).exclude(assessment_item=""):
        evidence.setdefault(attachment.assessment_item, []).append(attachment)
    areas: list[dict] = []
    for row in status.rows:
        if not areas or areas[-1]["code"] != row.area:
            areas.append(
                {
                    "code": row.area,
                    "label": version.area_label(row.area) if version else row.area,
                    "rows": [],
                }
            )
        panel = (
            wizard.build_panel("answer", row.answer, pending.get(("answer", row.answer.pk)))
            if row.answer
            else None
        )
        areas[-1]["rows"].append(
            {"row": row, "panel": panel, "evidence": evidence.get(row.item_id, [])}
        )
    metric_ids = []
    for row in status.rows:
        for metric_id in row.item.metrics or []:
            if metric_id not in metric_ids:
                metric_ids.append(metric_id)
    metrics = list(
        Metric.objects.filter(metric_id__in=metric_ids, active=True).order_by(
            "position", "metric_id"
        )
    )
    stored = assessment.metrics if assessment else {}
    if metrics_form is None and metrics:
        metrics_form = MetricsForm(metrics=metrics, initial=stored)
    results = {r["metric"]: r for r in check_metrics(stored) if r["metric"] in metric_ids}
    risks = {r.kind: r.description for r in assessment.risks.all()} if assessment else {}
    summary = summarise(status)
    return {
        "from_filing": _from_filing(algorithm),
        "workspace": access.workspace,
        "access": access,
        "algorithm": algorithm,
        "assessment": assessment,
        "dates": wizard.build_panel(
            "assessment-dates", assessment, pending.get(("assessment-dates", assessment.pk))
        )
        if assessment
        else None,
        "conclusion": wizard.build_panel(
            "assessment-conclusion",
            assessment,
            pending.get(("assessment-conclusion", assessment.pk)),
        )
        if assessment
        else None,
        "areas": areas,
        "inactive": status.inactive,
        "summary": summary,
        "suggested": suggested_conclusion(summary, algorithm.name),
        "metrics_form": metrics_form,
        "metric_results": results,
        "risks_form": risks_form or RisksForm(initial=risks),
        "upload_form": AttachmentForm(owner="algorithm"),
        "step": "assessment",
    }


def _from_filing(algorithm: Algorithm) -> list[tuple[str, str]]:
    """The report header's fields that the filing already holds (never typed twice):
    entity, algorithm, type, domains, scenario, launch, services and their users."""
    from filings.copysheet import copy_sheet
    from filings.interchange import algorithm_snapshot

    wanted = {
        "entity": ("name", "uscc"),
        "basic": ("name", "type", "application_domains", "launch_status", "launch_date"),
        "detail": ("usage_scenario",),
    }
    rows = []
    for section in copy_sheet(algorithm_snapshot(algorithm)):
        if section.code in wanted:
            keep = wanted.pop(section.code)
            rows.extend(
                (row.label, row.text)
                for row, attr in zip(section.rows, _attrs(section.code), strict=True)
                if attr in keep
            )
        elif section.code == "service":
            values = {_attrs("service")[i]: row.text for i, row in enumerate(section.rows)}
            rows.append(
                (
                    section.subtitle,
                    _("%(form)s · monthly active users %(mau)s · daily %(dau)s")
                    % {
                        "form": values.get("form") or "—",
                        "mau": values.get("mau") or "—",
                        "dau": values.get("dau") or "—",
                    },
                )
            )
    return rows


def _attrs(code: str) -> tuple[str, ...]:
    from filings.copysheet import SECTIONS

    return next(attrs for c, _title, attrs in SECTIONS if c == code)


@login_required
def assessment_page(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_access(request, slug)
    algorithm = _algorithm(access, pk)
    return render(request, "assessments/assessment.html", _context(access, algorithm))


@login_required
@require_POST
def metrics_save(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_access(request, slug)
    algorithm = _algorithm(access, pk)
    access.require_edit()
    assessment = _assessment(access, algorithm)
    metric_ids = {m for row in assessment_status(algorithm).rows for m in (row.item.metrics or [])}
    metrics = list(
        Metric.objects.filter(metric_id__in=metric_ids, active=True).order_by(
            "position", "metric_id"
        )
    )
    form = MetricsForm(request.POST, metrics=metrics)
    form.is_valid()
    with transaction.atomic():
        assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
        values = dict(assessment.metrics or {})
        for name in form.fields:
            if name in form.errors:
                continue  # an invalid number is shown again with its message; the stored one stays
            value = form.cleaned_data.get(name)
            if value is None:
                values.pop(name, None)
            else:
                values[name] = int(value) if value == value.to_integral_value() else float(value)
        assessment.metrics = values
        assessment._history_user = request.user
        assessment.save(update_fields=["metrics", "updated_at"])
    if form.errors:
        context = _context(access, algorithm, metrics_form=form)
        return render(request, "assessments/assessment.html", context, status=400)
    messages.success(request, _("Quantities saved."))
    return redirect(f"{request.path.rsplit('metrics/', 1)[0]}#metrics")


@login_required
@require_POST
def risks_save(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_access(request, slug)
    algorithm = _algorithm(access, pk)
    access.require_edit()
    assessment = _assessment(access, algorithm)
    form = RisksForm(request.POST)
    if not form.is_valid():  # pragma: no cover - free text cannot be invalid
        return render(
            request,
            "assessments/assessment.html",
            _context(access, algorithm, risks_form=form),
            status=400,
        )
    with transaction.atomic():
        existing = {r.kind: r for r in assessment.risks.select_for_update()}
        for position, (kind, text) in enumerate(form.cleaned_data.items()):
            risk = existing.get(kind)
            if text.strip():
                if risk is None:
                    risk = Risk(workspace=access.workspace, assessment=assessment, kind=kind)
                if (risk.description, risk.position) != (text, position) or risk.pk is None:
                    risk.description, risk.position = text, position
                    risk._history_user = request.user
                    risk.save()
            elif risk is not None:
                # Emptied by the user: removed, and the history keeps what it said.
                risk._history_user = request.user
                risk.delete()
    messages.success(request, _("Risks saved."))
    return redirect(f"{request.path.rsplit('risks/', 1)[0]}#risks")
