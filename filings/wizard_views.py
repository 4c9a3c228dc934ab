"""The filing wizard's pages: one page per step, panels that autosave, rows
that can be added and removed, and the 检查 step listing every problem."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workspaces.permissions import Capability, requires
from workspaces.scoping import Access, get_access, get_scoped_or_404

from . import interchange, pii, placement, services, threads, wizard
from .choices import PROVIDER_SLOTS, AttachmentSlot
from .forms import AttachmentForm
from .models import Algorithm, Disclosure, Service
from .reach_views import guarded_save
from .selectors import attachment_slots, peer_disclosures
from .services import registry_lookup


def _algorithm(access: Access, pk: int) -> Algorithm:
    return get_scoped_or_404(Algorithm.objects.select_related("provider"), access, pk=pk)


def _problems(algorithm: Algorithm, progress: dict | None = None) -> tuple[list, dict]:
    """Checks on the algorithm's snapshot, and where each object sits in it; with
    `progress`, also the share of required fields filled (progress["completeness"])."""
    from .applicability import catalogue_rules
    from .checks import completeness, run_checks

    locations: dict = {}
    document = interchange.algorithm_snapshot(algorithm, locations=locations)
    if progress is not None:
        progress["completeness"] = next(
            iter(completeness(document, {algorithm.name: attachment_slots(algorithm)}).values()), 0
        )
    problems = run_checks(
        document,
        algorithm=algorithm.name or None,
        registry_lookup=registry_lookup(),
        attachments={algorithm.name: attachment_slots(algorithm)},
        peers=peer_disclosures(algorithm),
        catalogue=catalogue_rules(),
    )
    return problems, locations


def _step_summary(places: list) -> dict[str, dict]:
    """Errors and warnings per step, for the step list's badges: the
    self-assessment's (and whatever no step edits) count on the 检查 step."""
    summary = {s.code: {"errors": 0, "warnings": 0} for s in wizard.STEPS}
    for problem, where in places:
        summary[where.wizard_step]["errors" if problem.severity == "error" else "warnings"] += 1
    return summary


def _panels(step: str, algorithm: Algorithm) -> list[wizard.Panel]:
    provider = algorithm.provider
    wanted: list[tuple[str, object, dict]] = []
    if step == "entity":
        wanted.append(("provider", provider, {"title": _("Provider entity")}))
        for i, system in enumerate(provider.management_systems.all(), start=1):
            wanted.append(
                (
                    "management-system",
                    system,
                    {"title": _("Management system %(n)d") % {"n": i}, "deletable": True},
                )
            )
    elif step == "basic":
        wanted.append(("algorithm-basic", algorithm, {}))
    elif step == "detail":
        wanted.append(("algorithm-detail", algorithm, {}))
        for i, model in enumerate(algorithm.third_party_models.all(), start=1):
            wanted.append(
                (
                    "third-party-model",
                    model,
                    {"title": _("Third-party model %(n)d") % {"n": i}, "deletable": True},
                )
            )
    elif step == "products":
        if algorithm.is_technical_supporter:
            wanted.append(("algorithm-modes", algorithm, {}))
        else:
            deployments = list(algorithm.deployments.select_related("service", "algorithm"))
            for i, deployment in enumerate(deployments, start=1):
                wanted.append(
                    (
                        "deployment",
                        deployment,
                        {"title": _("Function %(n)d") % {"n": i}, "deletable": True},
                    )
                )
            seen = []
            for deployment in deployments:
                if deployment.service_id not in seen:
                    seen.append(deployment.service_id)
                    wanted.append(
                        ("service", deployment.service, {"title": str(deployment.service)})
                    )
    elif step == "disclosure":
        # Reading never creates it: an empty form until the first save (panel_save_new).
        disclosure = Disclosure.objects.filter(algorithm=algorithm).first() or Disclosure(
            workspace_id=algorithm.workspace_id, algorithm=algorithm
        )
        wanted.append(("disclosure", disclosure, {"key": "new"}))
    pending = wizard.pending_for([(kind, obj) for kind, obj, _extra in wanted if obj.pk])
    return [
        wizard.build_panel(kind, obj, pending.get((kind, obj.pk)), **extra)
        for kind, obj, extra in wanted
    ]


def _checked(
    algorithm: Algorithm, panels: list[wizard.Panel], progress: dict | None = None
) -> tuple[list, placement.Placer, dict, list]:
    """Run the checks and hang each problem on its panel's field (filings.placement);
    the (problem, place) pairs that belong to no field of a panel are returned apart."""
    problems, locations = _problems(algorithm, progress)
    placer = placement.Placer(algorithm, locations=locations)
    places = [(problem, placer(problem.pointer)) for problem in problems]
    by_panel: dict[str, dict[str, list]] = {}
    loose = []
    for problem, where in places:
        if where.prefix and where.attr:
            by_panel.setdefault(where.prefix, {}).setdefault(where.attr, []).append(problem)
        else:
            loose.append((problem, where))
    for panel in panels:
        panel.field_problems = by_panel.get(panel.prefix, {})
    return problems, placer, _step_summary(places), loose


@login_required
@requires(Capability.VIEW)
def wizard_step(request: HttpRequest, slug: str, pk: int, step: str = "entity") -> HttpResponse:
    """One step of the wizard. Its checks arrive separately (wizard_checks), so
    the form is on screen before they have run; the 检查 step runs them here."""
    access = get_access(request, slug)
    algorithm = _algorithm(access, pk)
    if step not in wizard.STEP_CODES:
        raise Http404
    panels = _panels(step, algorithm)
    for panel in panels:
        pii.mask_form_initial(panel.form, access, request=request)
    index = wizard.STEP_CODES.index(step)
    context = {
        "previous_step": wizard.STEP_CODES[index - 1] if index else None,
        "next_step": wizard.STEP_CODES[index + 1] if index + 1 < len(wizard.STEP_CODES) else None,
        "workspace": access.workspace,
        "access": access,
        "algorithm": algorithm,
        "steps": wizard.steps_for(algorithm),
        "step": step,
        "panels": panels,
    }
    if step == "products" and not algorithm.is_technical_supporter:
        context["services"] = Service.objects.filter(provider=algorithm.provider).order_by("pk")
    if step == "attachments":
        context.update(_attachment_context(algorithm))
    if step == "review":
        problems, placer, summary, _loose = _checked(algorithm, panels, context)
        context["summary"] = summary
        context["problems"] = check_rows(problems, placer, slug)
        context["problem_groups"] = problem_groups(context["problems"])
    context.update(_comment_threads(access, algorithm, step, panels))
    return render(request, f"filings/wizard/step_{step}.html", context)


def _comment_threads(access: Access, algorithm: Algorithm, step: str, panels: list) -> dict:
    """The algorithm's open comment threads, fetched once: each beside the
    field it is about (panel.field_threads), the others of this step at its top."""
    # The export that says which stored object a pointer names is made only
    # when a thread is about a row of a list (filings.placement.Placer).
    placed = threads.open_threads(algorithm, access.workspace.slug)
    shown = []
    for panel in panels:
        if panel.obj.pk is None:
            continue
        name = panel.obj._meta.model_name
        panel.field_threads = {
            attr: placed.pop(name, panel.obj.pk, attr)
            for attr in panel.form.fields
            if (name, panel.obj.pk, attr) in placed.fields
        }
        shown += [row for rows in panel.field_threads.values() for row in rows]
    # About the step, an attachment slot, or a field no panel of this page shows.
    step_threads = [row for row in placed.rest() if row["step"] == step]
    return {
        "step_threads": step_threads,
        "thread_rows": shown + step_threads,
        # Reviewers comment on the review page: their wizard is read-only.
        "can_reply": access.may(Capability.EDIT) and access.may(Capability.COMMENT),
    }


def _registry_notes(panels: list[wizard.Panel]) -> None:
    """Beside a third-party model's filing number: the CAC listing it matches."""
    lookup = registry_lookup()
    for panel in panels:
        if panel.kind.kind != "third-party-model" or lookup is None:
            continue
        notes = {}
        found = lookup(panel.obj.filing_number) if panel.obj.filing_number else None
        if found and found["status"] == "found":
            record = found["record"]
            notes["filing_number"] = _(
                "Listed by the CAC (%(batch)s): %(algorithm)s · %(entity)s"
            ) % {
                "batch": record.batch,
                "algorithm": record.algorithm_name,
                "entity": record.entity_name,
            }
        # I12-E: the upstream model's 大模型备案号 / 上线编号 in the generative-AI lists.
        gai = getattr(lookup, "gai", None)
        found = gai(panel.obj.gai_number) if gai and panel.obj.gai_number.strip() else None
        if found and found["status"] == "found":
            record = found["record"]
            notes["gai_number"] = _(
                "In the CAC's generative-AI list (%(kind)s, %(date)s): %(name)s · %(holder)s"
            ) % {
                "kind": record.kind,
                "date": record.filed_on_text or record.batch,
                "name": record.name,
                "holder": record.holder,
            }
        if notes:
            panel.field_notes = notes


@login_required
@requires(Capability.VIEW)
def wizard_checks(request: HttpRequest, slug: str, pk: int, step: str) -> HttpResponse:
    """The checks of one step as out-of-band fragments: the messages beside each
    field, the step list's badges and the step's general messages. Loaded after
    the page, and again after each autosave."""
    access = get_access(request, slug)
    algorithm = _algorithm(access, pk)
    if step not in wizard.STEP_CODES:
        raise Http404
    panels = _panels(step, algorithm)
    progress: dict = {}
    _problems_, _placer, summary, loose = _checked(algorithm, panels, progress)
    _registry_notes(panels)
    return render(
        request,
        "filings/wizard/_checks_oob.html",
        {
            "panels": panels,
            "summary": summary,
            "completeness": progress["completeness"],
            "steps": wizard.steps_for(algorithm),
            "loose": [problem for problem, where in loose if where.wizard_step == step],
        },
    )


def _attachment_context(algorithm: Algorithm) -> dict:
    """The materials of the filing (filings.materials), grouped by who produces
    them, each with its files and whether it is required, optional or missing."""
    from .materials import required_materials

    provider = algorithm.provider
    provider_files = list(provider.attachments.all())
    algorithm_files = list(algorithm.attachments.all())

    def files_in(slot: str) -> list:
        files = provider_files if slot in PROVIDER_SLOTS else algorithm_files
        return [f for f in files if f.slot == slot]

    entries = required_materials(algorithm)
    listed = {e.slot for e in entries if e.slot}
    rows = [
        {"entry": e, "slot": e.slot, "label": e.label, "files": files_in(e.slot) if e.slot else []}
        for e in entries
    ]
    # A slot the list does not name still shows its files (optional).
    for value, label in AttachmentSlot.choices:
        if value not in listed:
            rows.append({"entry": None, "slot": value, "label": label, "files": files_in(value)})
    groups = [
        {"producer": code, "label": label, "rows": []}
        for code, label in (
            ("generated", _("Generated by Suanbei")),
            ("sign_seal", _("To sign and seal, then upload the scan")),
            ("upload", _("To upload")),
        )
    ]
    by_code = {g["producer"]: g for g in groups}
    for row in rows:
        entry = row["entry"]
        producer = entry.producer if entry else "upload"
        if entry is not None and not entry.slot:
            row["state"] = "generated"  # printed from the data: nothing to upload
        elif row["files"]:
            row["state"] = "uploaded"
        elif entry is not None and entry.required:
            row["state"] = "missing"
        else:
            row["state"] = "optional"
        by_code[producer]["rows"].append(row)
    return {
        "material_groups": [g for g in groups if g["rows"]],
        "slots": rows,
        "provider_form": AttachmentForm(owner="provider"),
        "algorithm_form": AttachmentForm(owner="algorithm"),
    }


def check_rows(problems: list, placer: placement.Placer, slug: str) -> list[dict]:
    """The check list's rows (the wizard's 检查 step, the review page): each
    problem with where it is corrected, in words and as a link to the field."""
    algorithm = placer.algorithm
    step_names = _step_names(algorithm)
    rows = []
    for problem in problems:
        where = placer(problem.pointer)
        if where.step == placement.ASSESSMENT:
            page = _("Self-assessment")
        else:
            page = step_names.get(where.wizard_step, "")
        rows.append(
            {
                "problem": problem,
                "url": where.url(slug, algorithm.pk),
                "step": where.step,
                "where": f"{page} · {capfirst(where.label)}" if where.label else page,
            }
        )
    return rows


def problem_groups(rows: list[dict]) -> list[dict]:
    """Check rows in three groups, in this order: errors that block the approval
    (the content), errors that block only the submission (scans and
    formalities made after approval), warnings. Empty groups are left out."""
    groups = [
        {"code": "approval", "label": _("Blocks the approval"), "rows": []},
        {"code": "submission", "label": _("Blocks the submission to the CAC"), "rows": []},
        {"code": "warnings", "label": _("Warnings"), "rows": []},
    ]
    for row in rows:
        problem = row["problem"]
        if problem.severity != "error":
            groups[2]["rows"].append(row)
        elif getattr(problem, "blocks", "approval") == "submission":
            groups[1]["rows"].append(row)
        else:
            groups[0]["rows"].append(row)
    return [g for g in groups if g["rows"]]


def _step_names(algorithm: Algorithm) -> dict[str, str]:
    """Each step's name as the reader sees it: the portal's heading in Chinese, else the label."""
    chinese = (get_language() or "").startswith("zh")
    return {s.code: s.portal if chinese else str(s.label) for s in wizard.steps_for(algorithm)}


def _get_panel_object(access: Access, kind: str, pk: int):
    panel_kind = wizard.PANEL_KINDS.get(kind)
    if panel_kind is None:
        raise Http404
    return get_scoped_or_404(panel_kind.model, access, pk=pk)


@login_required
@require_POST
@requires(Capability.EDIT)
def panel_save(request: HttpRequest, slug: str, kind: str, pk: int) -> HttpResponse:
    access = get_access(request, slug)
    obj = _get_panel_object(access, kind, pk)
    form_prefix = wizard.prefix(kind, pk)
    # The shared entity's panels show their reach on other algorithms first (filings.reach_views).
    return guarded_save(
        request,
        access,
        kind,
        obj,
        form_prefix,
        lambda: _save_panel(request, access, slug, kind, obj, form_prefix),
    )


@login_required
@require_POST
@requires(Capability.EDIT)
def panel_save_new(request: HttpRequest, slug: str, pk: int, kind: str, key: str) -> HttpResponse:
    """Save a panel that a page showed before its object existed (wizard.LAZY_KINDS):
    the first save creates the object, later ones find it. The page keeps its
    form prefix, so every save of that page comes here."""
    access = get_access(request, slug)
    algorithm = _algorithm(access, pk)
    try:
        obj, result = wizard.save_new_panel(
            kind=kind,
            algorithm=algorithm,
            key=key,
            data=request.POST,
            by=request.user,
            base=request.POST.get("_base"),
        )
    except LookupError:
        raise Http404 from None
    return _saved(request, access, slug, kind, obj, wizard.new_prefix(kind, key), result)


def _save_panel(request, access: Access, slug: str, kind: str, obj, form_prefix: str):
    result = wizard.save_panel(
        kind,
        obj,
        request.POST,
        user=request.user,
        base=request.POST.get("_base"),
        form_prefix=form_prefix,
    )
    return _saved(request, access, slug, kind, obj, form_prefix, result)


def _saved(request, access: Access, slug: str, kind: str, obj, form_prefix: str, result):
    """The answer to a panel's save: its fields' feedback (htmx), the conflict
    page, or back to the page it came from."""
    if result.conflicts and not request.htmx:
        return render(
            request,
            "filings/wizard/conflict_page.html",
            {"workspace": access.workspace, "access": access, "result": result, "kind": kind, "obj": obj,
             "prefix": form_prefix, "current_base": result.keep_mine_base, "save_url": request.path,
             "back": request.POST.get("_next") or request.META.get("HTTP_REFERER", "")},
            status=409,
        )  # fmt: skip
    if request.htmx:
        response = render(
            request,
            "filings/wizard/_saved.html",
            {
                "result": result,
                "prefix": form_prefix,
                "now": timezone.localtime(),
                # Conflicting fields keep the loaded values in it until resolved.
                "current_base": result.base,
            },
        )
        # The page reloads its checks: a saved value may fix or cause a problem elsewhere.
        response["HX-Trigger"] = "suanbei:saved"
        return response
    if result.errors:
        messages.warning(
            request, _("Saved what was valid; the fields marked below need a correction.")
        )
    else:
        messages.success(request, _("Saved."))
    target = request.POST.get("_next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    algorithm_pk = request.POST.get("_algorithm")
    step = request.POST.get("_step", wizard.PANEL_KINDS[kind].step)
    if algorithm_pk and algorithm_pk.isdigit() and step in wizard.STEP_CODES:
        algorithm = _algorithm(access, int(algorithm_pk))
        return redirect("filings:wizard", slug=slug, pk=algorithm.pk, step=step)
    return redirect("filings:dashboard", slug=slug)


ROWS = {
    "management-system": "entity",
    "third-party-model": "detail",
    "deployment": "products",
    "service": "products",
}


@login_required
@require_POST
@requires(Capability.EDIT)
def row_add(request: HttpRequest, slug: str, pk: int, kind: str) -> HttpResponse:
    access = get_access(request, slug)
    algorithm = _algorithm(access, pk)
    if kind not in ROWS:
        raise Http404
    if kind == "management-system":
        services.management_system_add(algorithm=algorithm, by=request.user)
    elif kind == "third-party-model":
        services.third_party_model_add(algorithm=algorithm, by=request.user)
    elif kind == "deployment":
        service_pk = request.POST.get("service", "")
        service = (
            Service.objects.filter(provider=algorithm.provider, pk=int(service_pk)).first()
            if service_pk.isdigit()
            else None
        )
        if service is None:
            messages.error(
                request, _("Choose the product the function belongs to, or add a product first.")
            )
        else:
            services.deployment_add(algorithm=algorithm, service=service, by=request.user)
    elif kind == "service":
        services.service_add(algorithm=algorithm, by=request.user)
    return redirect("filings:wizard", slug=slug, pk=algorithm.pk, step=ROWS[kind])


@login_required
@require_POST
@requires(Capability.EDIT)
def row_delete(request: HttpRequest, slug: str, pk: int, kind: str, row: int) -> HttpResponse:
    access = get_access(request, slug)
    algorithm = _algorithm(access, pk)
    if kind not in ("management-system", "third-party-model", "deployment"):
        raise Http404
    obj = _get_panel_object(access, kind, row)
    owner_ok = (
        obj.provider_id == algorithm.provider_id
        if kind == "management-system"
        else obj.algorithm_id == algorithm.pk
    )
    if not owner_ok:
        raise Http404
    obj._history_user = request.user
    obj.delete()
    messages.success(request, _("Removed. The change history keeps what it said."))
    return redirect("filings:wizard", slug=slug, pk=algorithm.pk, step=ROWS[kind])
