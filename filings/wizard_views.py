"""The filing wizard's pages: one page per step, panels that autosave, rows
that can be added and removed, and the 检查 step listing every problem."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workspaces.scoping import Access, get_access, get_scoped_or_404

from . import interchange, pii, wizard
from .choices import PROVIDER_SLOTS, AttachmentSlot
from .forms import AttachmentForm
from .models import Algorithm, Deployment, Disclosure, ManagementSystem, Service, ThirdPartyModel
from .reach_views import guarded_save
from .services import attachment_slots, peer_disclosures, registry_lookup


def _algorithm(access: Access, pk: int) -> Algorithm:
    return get_scoped_or_404(Algorithm.objects.select_related("provider"), access, pk=pk)


def _problems(algorithm: Algorithm, progress: dict | None = None) -> tuple[list, dict]:
    """Checks on the algorithm's snapshot, and where each object sits in it; with
    `progress`, also the share of required fields filled (progress["completeness"])."""
    from assessments.services import check_catalogue

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
        catalogue=check_catalogue(),
    )
    return problems, locations


def _place(problems: list, locations: dict) -> tuple[dict, list]:
    """Problems by (model_name, pk, field), and those that belong to no single field."""
    by_pointer = sorted(
        ((pointer, label) for label, pointer in locations.items()), key=lambda x: -len(x[0])
    )
    placed: dict = {}
    loose = []
    for problem in problems:
        for pointer, (model_name, pk) in by_pointer:
            if problem.pointer == pointer or problem.pointer.startswith(pointer + "/"):
                rest = problem.pointer[len(pointer) :]
                attr = _attr_for(model_name, rest)
                if attr:
                    placed.setdefault((model_name, pk), {}).setdefault(attr, []).append(problem)
                else:
                    loose.append(problem)
                break
        else:
            loose.append(problem)
    return placed, loose


def _attr_for(model_name: str, rest: str) -> str | None:
    for kind in wizard.PANEL_KINDS.values():
        if kind.model._meta.model_name != model_name:
            continue
        for name in kind.form.base_fields:
            if interchange.field_pointer(kind.model, name) == rest:
                return name
    return None


def _panel_kind_of(model_name: str, attr: str) -> wizard.PanelKind | None:
    for kind in wizard.PANEL_KINDS.values():
        if kind.model._meta.model_name == model_name and attr in kind.form.base_fields:
            return kind
    return None


def _step_of(model_name: str, attr: str) -> str | None:
    """The wizard step whose form edits the field; None when no step does
    (the self-assessment's fields are edited on its own page)."""
    kind = _panel_kind_of(model_name, attr)
    return kind.step if kind is not None and kind.step in wizard.STEP_CODES else None


def _step_summary(placed: dict, loose: list) -> dict[str, dict]:
    summary = {s.code: {"errors": 0, "warnings": 0} for s in wizard.STEPS}
    for (model_name, _pk), fields in placed.items():
        for attr, problems in fields.items():
            step = _step_of(model_name, attr) or "review"
            for problem in problems:
                summary[step]["errors" if problem.severity == "error" else "warnings"] += 1
    for problem in loose:
        step = _loose_step(problem.pointer, problem.code)
        summary[step]["errors" if problem.severity == "error" else "warnings"] += 1
    return summary


# Problems about files belong to the 附件 step, those about the report to 检查.
CODE_STEPS = {
    "material_missing": "attachments",
    "assessment_missing": "review",
    "assessment_conclusion_missing": "review",
    "assessment_unanswered": "review",
    "conclusion_unsupported": "review",
    "metric_outside_threshold": "review",
    "rectification_missing": "review",
    "partial_without_reason": "review",
}


def _loose_step(pointer: str, code: str = "") -> str:
    if code in CODE_STEPS:
        return CODE_STEPS[code]
    for part, step in (
        ("/deployments", "products"),
        ("/technical_service_modes", "products"),
        ("/third_party_models", "detail"),
        ("/disclosure", "disclosure"),
        ("/management_systems", "entity"),
    ):
        if part in pointer:
            return step
    if "/algorithms/" in pointer:
        return "basic"
    return "entity"


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
) -> tuple[list, dict, dict, list]:
    """Run the checks and hang each problem on its panel's field."""
    problems, locations = _problems(algorithm, progress)
    placed, loose = _place(problems, locations)
    summary = _step_summary(placed, loose)
    for panel in panels:
        if panel.obj.pk is None:
            panel.field_problems = _unstored_problems(panel, algorithm, locations, loose)
        else:
            panel.field_problems = placed.get((panel.obj._meta.model_name, panel.obj.pk), {})
    return problems, locations, summary, loose


def _unstored_problems(panel: wizard.Panel, algorithm: Algorithm, locations: dict, loose: list):
    """The problems of a panel whose object is not stored yet (a disclosure
    nobody saved): the checks walk it as an empty object under the algorithm,
    so its fields' problems point there. They move from `loose` to the panel."""
    algorithm_at = locations.get(("algorithm", algorithm.pk))
    name = panel.kind.model._meta.model_name
    if algorithm_at is None or name != "disclosure":
        return {}
    where = f"{algorithm_at}/disclosure"
    fields: dict = {}
    for problem in list(loose):
        if problem.pointer.startswith(where + "/"):
            attr = _attr_for(name, problem.pointer[len(where) :])
            if attr:
                fields.setdefault(attr, []).append(problem)
                loose.remove(problem)
    return fields


@login_required
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
        problems, locations, summary, loose = _checked(algorithm, panels, context)
        context["summary"] = summary
        context["problems"] = _review_rows(problems, locations, algorithm, slug)
        context["problem_groups"] = problem_groups(context["problems"])
    context.update(_comment_threads(access, algorithm, step, panels))
    return render(request, f"filings/wizard/step_{step}.html", context)


def _comment_threads(access: Access, algorithm: Algorithm, step: str, panels: list) -> dict:
    """The algorithm's open comment threads, fetched once: each beside the
    field it is about (panel.field_threads), the others of this step at its top."""
    from reviews import selectors
    from reviews.services import COMMENT_ROLES

    def locations() -> dict:
        found: dict = {}
        interchange.algorithm_snapshot(algorithm, locations=found)
        return found

    placed = selectors.open_threads(algorithm, access.workspace.slug, locations=locations)
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
        "can_reply": access.can_edit and access.role in COMMENT_ROLES,
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
    _problems_, _locations, summary, loose = _checked(algorithm, panels, progress)
    _registry_notes(panels)
    return render(
        request,
        "filings/wizard/_checks_oob.html",
        {
            "panels": panels,
            "summary": summary,
            "completeness": progress["completeness"],
            "steps": wizard.steps_for(algorithm),
            "loose": [p for p in loose if _loose_step(p.pointer, p.code) == step],
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


def _review_rows(problems: list, locations: dict, algorithm: Algorithm, slug: str) -> list[dict]:
    step_names = _step_names(algorithm)
    placed_pointers = {}
    for (model_name, pk), pointer in locations.items():
        placed_pointers[pointer] = (model_name, pk)
    rows = []
    for problem in problems:
        step = _loose_step(problem.pointer, problem.code)
        anchor = ""
        field = ""
        page = None  # a page other than the wizard's that edits the field
        for pointer, (model_name, pk) in sorted(placed_pointers.items(), key=lambda x: -len(x[0])):
            if problem.pointer == pointer or problem.pointer.startswith(pointer + "/"):
                attr = _attr_for(model_name, problem.pointer[len(pointer) :])
                kind = _panel_kind_of(model_name, attr) if attr else None
                if kind is not None:
                    step = _step_of(model_name, attr) or step
                    anchor = f"#id_{wizard.prefix(kind.kind, pk)}-{attr}"
                    field = kind.form.base_fields[attr].label
                    if kind.step == "assessment":
                        page = reverse("assessments:page", args=[slug, algorithm.pk])
                break
        if problem.code == "material_missing":
            # The pointer ends in the slot: link to that slot on the 附件 step.
            anchor = f"#slot-{problem.pointer.rsplit('/', 1)[-1]}"
        if page is None and problem.code in ASSESSMENT_CODES:
            # No assessment (or no conclusion) yet: the fix is on the self-assessment page.
            page = reverse("assessments:page", args=[slug, algorithm.pk])
            anchor = {
                "assessment_conclusion_missing": "#conclusion",
                "conclusion_unsupported": "#conclusion",
                "metric_outside_threshold": "#metrics",
            }.get(problem.code, "")
        url = (page or reverse("filings:wizard", args=[slug, algorithm.pk, step])) + anchor
        place = _("Self-assessment") if page else step_names.get(step, "")
        where = f"{place} · {capfirst(field)}" if field else place
        rows.append({"problem": problem, "url": url, "step": step, "where": where})
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


ASSESSMENT_CODES = frozenset(
    {
        "assessment_missing",
        "assessment_conclusion_missing",
        "assessment_unanswered",
        "conclusion_unsupported",
        "metric_outside_threshold",
        "rectification_missing",
        "partial_without_reason",
    }
)


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
def panel_save(request: HttpRequest, slug: str, kind: str, pk: int) -> HttpResponse:
    access = get_access(request, slug)
    obj = _get_panel_object(access, kind, pk)
    access.require_edit()
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
def panel_save_new(request: HttpRequest, slug: str, pk: int, kind: str, key: str) -> HttpResponse:
    """Save a panel that a page showed before its object existed (wizard.LAZY_KINDS):
    the first save creates the object, later ones find it. The page keeps its
    form prefix, so every save of that page comes here."""
    access = get_access(request, slug)
    algorithm = _algorithm(access, pk)
    access.require_edit()
    with transaction.atomic():
        try:
            obj = wizard.lazy_object(kind, algorithm, key, user=request.user)
        except LookupError:
            raise Http404 from None
        return _save_panel(request, access, slug, kind, obj, wizard.new_prefix(kind, key))


def _save_panel(request, access: Access, slug: str, kind: str, obj, form_prefix: str):
    result = wizard.save_panel(
        kind,
        obj,
        request.POST,
        user=request.user,
        base=request.POST.get("_base"),
        form_prefix=form_prefix,
    )
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
def row_add(request: HttpRequest, slug: str, pk: int, kind: str) -> HttpResponse:
    access = get_access(request, slug)
    algorithm = _algorithm(access, pk)
    access.require_edit()
    if kind not in ROWS:
        raise Http404
    ws = access.workspace
    if kind == "management-system":
        position = algorithm.provider.management_systems.count()
        ManagementSystem.objects.create(
            workspace=ws, provider=algorithm.provider, kind="other", position=position
        )
    elif kind == "third-party-model":
        position = algorithm.third_party_models.count()
        ThirdPartyModel.objects.create(workspace=ws, algorithm=algorithm, position=position)
    elif kind == "deployment":
        service = None
        service_pk = request.POST.get("service", "")
        if service_pk.isdigit():
            service = Service.objects.filter(
                provider=algorithm.provider, pk=int(service_pk)
            ).first()
        if service is None:
            messages.error(
                request, _("Choose the product the function belongs to, or add a product first.")
            )
        else:
            position = algorithm.deployments.count()
            Deployment.objects.create(
                workspace=ws, algorithm=algorithm, service=service, position=position
            )
    elif kind == "service":
        service = Service.objects.create(workspace=ws, provider=algorithm.provider)
        Deployment.objects.create(
            workspace=ws,
            algorithm=algorithm,
            service=service,
            position=algorithm.deployments.count(),
        )
    return redirect("filings:wizard", slug=slug, pk=algorithm.pk, step=ROWS[kind])


@login_required
@require_POST
def row_delete(request: HttpRequest, slug: str, pk: int, kind: str, row: int) -> HttpResponse:
    access = get_access(request, slug)
    algorithm = _algorithm(access, pk)
    access.require_edit()
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
