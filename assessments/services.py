"""The writes of the self-assessment page's parts that are not model forms:
the TC260 quantities (Assessment.metrics) and the risks (one Risk per kind).
They autosave like the wizard's panels (filings.wizard.save_panel): valid
values are stored at once, refused ones wait in PendingInput with their
message, and a field someone else saved since the form was loaded is a
conflict (three-way, against the values the form was loaded with), never
overwritten. The reads are assessments.selectors.
"""

from __future__ import annotations

import json
from decimal import Decimal

from config.database_busy import retry_when_locked
from filings.models import Algorithm

from .models import Metric
from .selectors import METRICS_PANEL, base_json, dict_panel_form, dict_panel_stored


def _metric_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _author(kind: str, assessment, name: str, current) -> tuple[str, object]:
    """Who set the quantity or risk `name` to its `current` value, and when."""
    from filings import conflicts

    from .models import Risk

    if kind == METRICS_PANEL:
        return conflicts.field_author(
            assessment.history.all(),
            lambda record: (record.metrics or {}).get(name),
            current,
        )
    return conflicts.field_author(
        Risk.history.filter(assessment_id=assessment.pk, kind=name),
        lambda record: "" if record.history_type == "-" else record.description,
        current,
    )


def _conflicts(kind, assessment, form, names, stored: dict, valid: dict):
    from filings import conflicts
    from filings.wizard import Conflict

    found = []
    for name in names:
        theirs = stored.get(name)
        mine = valid[name] if name in valid else form[name].data
        by, at = _author(kind, assessment, name, conflicts.normal(theirs))
        theirs_text = "" if theirs is None else str(theirs)
        found.append(
            Conflict(
                name=name,
                label=str(form.fields[name].label),
                mine="" if mine is None else str(mine),
                theirs=theirs_text,
                by=by,
                at=at,
                theirs_input=theirs_text,
                html_name=form.add_prefix(name),
                theirs_values=json.dumps([theirs_text], ensure_ascii=False),
                theirs_base=json.dumps(conflicts.normal(theirs), ensure_ascii=False),
            )
        )
    return found


def _write(kind: str, assessment, changes: dict, user) -> None:
    from filings.choices import RiskKind

    from .models import Risk

    if kind == METRICS_PANEL:
        values = dict(assessment.metrics or {})
        for name, value in changes.items():
            if value is None:
                values.pop(name, None)
            else:
                values[name] = value
        assessment.metrics = values
        assessment._history_user = user
        assessment.save(update_fields=["metrics", "updated_at"])
        return
    existing = {r.kind: r for r in assessment.risks.select_for_update()}
    order = list(RiskKind.values)
    for kind_code, text in changes.items():
        risk = existing.get(kind_code)
        if text.strip():
            if risk is None:
                risk = Risk(
                    workspace_id=assessment.workspace_id, assessment=assessment, kind=kind_code
                )
            risk.description, risk.position = text, order.index(kind_code)
            risk._history_user = user
            risk.save()
        elif risk is not None:
            # Emptied by the user: removed, and the history keeps what it said.
            risk._history_user = user
            risk.delete()


def assessment_for_edit(algorithm: Algorithm):
    """The algorithm's assessment, created by the first save if it does not exist yet."""
    from .models import Assessment

    assessment, _created = Assessment.objects.get_or_create(
        algorithm=algorithm, defaults={"workspace_id": algorithm.workspace_id}
    )
    return assessment


@retry_when_locked
def save_dict_panel(
    *,
    kind: str,
    algorithm: Algorithm,
    data,
    by=None,
    base: str | None = None,
    metrics: list[Metric] | None = None,
):
    """Save the quantities (kind METRICS_PANEL, with the applicable `metrics`) or
    the risks (RISKS_PANEL) as posted by `by`, in one transaction (the
    assessment created by the first save, locked while the values are
    compared and written); the result is a filings.wizard.SaveResult."""
    from django.db import transaction

    from filings import conflicts
    from filings.wizard import SaveResult, _keep_pending

    from .models import Assessment

    form = dict_panel_form(kind, algorithm, data, metrics=metrics)
    form.is_valid()
    errors = {name: list(messages) for name, messages in form.errors.items() if name in form.fields}
    valid = {}
    for name in form.fields:
        if name in errors or name not in form.cleaned_data:
            continue
        value = form.cleaned_data[name]
        if kind == METRICS_PANEL and value is not None:
            value = _metric_number(value)
        valid[name] = value
    ancestor = conflicts.read_base(base)
    with transaction.atomic():
        assessment = assessment_for_edit(algorithm)
        fresh = Assessment.objects.select_for_update().get(pk=assessment.pk)
        stored = dict_panel_stored(kind, fresh, form)
        merge = conflicts.merge(
            form,
            valid=valid,
            errors=errors,
            stored={name: conflicts.normal(value) for name, value in stored.items()},
            ancestor=ancestor,
        )
        changed = {name: valid[name] for name in merge.write if stored.get(name) != valid[name]}
        if changed:
            _write(kind, fresh, changed, by)
        kept = {name: errors[name] for name in merge.touched if name in errors}
        _keep_pending(kind, fresh, form, kept, by, names=merge.touched)
        found = _conflicts(kind, fresh, form, merge.conflicts, stored, valid)
        after = dict_panel_stored(kind, fresh, form)
    next_base = {**after, **merge.keep_base}
    for name in merge.conflicts:
        if name not in merge.keep_base:
            next_base.pop(name, None)  # the base did not have it: still unresolved
    keep_mine = {
        **(after if ancestor is None else ancestor),
        **{c.name: conflicts.normal(stored.get(c.name)) for c in found},
    }
    return SaveResult(
        saved=list(changed),
        errors={name: messages for name, messages in errors.items() if name not in merge.conflicts},
        form=form,
        base=base_json(next_base),
        conflicts=found,
        refresh={
            form.add_prefix(name): ["" if after.get(name) is None else str(after.get(name))]
            for name in merge.refresh
        },
        keep_mine_base=base_json(keep_mine),
    )
