"""The self-assessment of one algorithm, inside the filing's flow: the items
that apply, answered one by one (autosaved), the TC260 quantities, the risks
and the conclusion, with a running summary."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from filings import wizard
from filings.forms import AttachmentForm
from filings.models import Algorithm, Attachment
from workspaces.permissions import Capability, requires
from workspaces.scoping import Access, get_access, get_scoped_or_404

from .models import Answer, Assessment, CatalogueVersion, Metric
from .selectors import (
    METRICS_PANEL,
    RISKS_PANEL,
    applicable_metrics,
    assessment_status,
    check_metrics,
    dict_panel,
    panel_prefix,
    suggested_conclusion,
    summarise,
)
from .services import save_dict_panel


def _algorithm(access: Access, pk: int) -> Algorithm:
    return get_scoped_or_404(Algorithm.objects.select_related("provider"), access, pk=pk)


def _context(access: Access, algorithm: Algorithm) -> dict:
    """The page's context. Reading writes nothing: an algorithm without an
    assessment, and an item without an answer, show empty forms to those who
    may edit, and their first save creates the row (filings:panel-save-new)."""
    assessment = Assessment.objects.filter(algorithm=algorithm).first()
    status = assessment_status(algorithm)
    editable = assessment
    if editable is None and access.may(Capability.EDIT):
        editable = Assessment(workspace_id=algorithm.workspace_id, algorithm=algorithm)
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
        if row.answer:
            panel = wizard.build_panel("answer", row.answer, pending.get(("answer", row.answer.pk)))
        elif access.may(Capability.EDIT):
            unsaved = Answer(workspace_id=algorithm.workspace_id, item=row.item_id)
            panel = wizard.build_panel("answer", unsaved, key=row.item_id)
        else:
            panel = None
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
    metrics_panel = (
        dict_panel(METRICS_PANEL, algorithm, assessment, metrics=metrics) if metrics else None
    )
    results = {r["metric"]: r for r in check_metrics(stored) if r["metric"] in metric_ids}
    summary = summarise(status)
    return {
        "from_filing": _from_filing(algorithm),
        "workspace": access.workspace,
        "access": access,
        "algorithm": algorithm,
        "assessment": assessment,
        "dates": wizard.build_panel(
            "assessment-dates", editable, pending.get(("assessment-dates", editable.pk)), key="new"
        )
        if editable
        else None,
        "conclusion": wizard.build_panel(
            "assessment-conclusion",
            editable,
            pending.get(("assessment-conclusion", editable.pk)),
            key="new",
        )
        if editable
        else None,
        "areas": areas,
        "inactive": status.inactive,
        "summary": summary,
        "suggested": suggested_conclusion(summary, algorithm.name),
        "metrics": metrics_panel,
        "metrics_form": metrics_panel.form if metrics_panel else None,
        "metric_results": results,
        "risks": dict_panel(RISKS_PANEL, algorithm, assessment),
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
                (row.label, row.display or row.text)
                for row, attr in zip(section.rows, _attrs(section.code), strict=True)
                if attr in keep
            )
        elif section.code == "service":
            values = {
                _attrs("service")[i]: row.display or row.text for i, row in enumerate(section.rows)
            }
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
@requires(Capability.VIEW)
def assessment_page(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = get_access(request, slug)
    algorithm = _algorithm(access, pk)
    return render(request, "assessments/assessment.html", _context(access, algorithm))


def _save_part(request: HttpRequest, slug: str, pk: int, kind: str) -> HttpResponse:
    """Autosave of the quantities or the risks (htmx), or the form's plain POST without JS."""
    access = get_access(request, slug)
    algorithm = _algorithm(access, pk)
    metrics = applicable_metrics(assessment_status(algorithm)) if kind == METRICS_PANEL else None
    result = save_dict_panel(
        kind=kind,
        algorithm=algorithm,
        data=request.POST,
        by=request.user,
        base=request.POST.get("_base"),
        metrics=metrics,
    )
    prefix = panel_prefix(kind, algorithm)
    page = reverse("assessments:page", args=[slug, algorithm.pk])
    anchor = "#metrics" if kind == METRICS_PANEL else "#risks"
    if result.conflicts and not request.htmx:
        return render(
            request,
            "filings/wizard/conflict_page.html",
            {"workspace": access.workspace, "access": access, "result": result, "prefix": prefix,
             "save_url": request.path, "current_base": result.keep_mine_base,
             "back": page + anchor},
            status=409,
        )  # fmt: skip
    if request.htmx:
        context = {
            "result": result,
            "prefix": prefix,
            "now": timezone.localtime(),
            "current_base": result.base,
        }
        if kind == METRICS_PANEL and not result.conflicts:
            assessment = Assessment.objects.filter(algorithm=algorithm).first()
            context["metric_results"] = {
                r["metric"]: r for r in check_metrics(assessment.metrics if assessment else {})
            }
        response = render(request, "assessments/_saved.html", context)
        response["HX-Trigger"] = "suanbei:saved"
        return response
    if result.errors:
        messages.warning(
            request, _("Saved what was valid; the fields marked below need a correction.")
        )
    else:
        messages.success(
            request, _("Quantities saved.") if kind == METRICS_PANEL else _("Risks saved.")
        )
    return redirect(page + anchor)


@login_required
@require_POST
@requires(Capability.EDIT)
def metrics_save(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _save_part(request, slug, pk, METRICS_PANEL)


@login_required
@require_POST
@requires(Capability.EDIT)
def risks_save(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _save_part(request, slug, pk, RISKS_PANEL)


@login_required
@requires(Capability.VIEW)
def summary_fragment(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The page's running summary (sidebar progress, gaps, suggested conclusion)
    as out-of-band fragments, fetched again after each autosave. Reads only."""
    access = get_access(request, slug)
    algorithm = _algorithm(access, pk)
    status = assessment_status(algorithm)
    summary = summarise(status)
    return render(
        request,
        "assessments/_summary_oob.html",
        {"summary": summary, "suggested": suggested_conclusion(summary, algorithm.name)},
    )
