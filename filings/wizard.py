"""The filing wizard: steps in the registry's order, and the panels
(one form per edited object) that each step shows.

Saving a panel is partial by design: every valid value is stored at once,
every invalid one waits in PendingInput with its message, so that autosave
never loses what was typed and the model never holds an invalid value.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _

from assessments.forms import AnswerForm, AssessmentDatesForm, ConclusionForm
from assessments.models import Answer, Assessment, CatalogueItem

from . import wizard_forms as wf
from .models import (
    Algorithm,
    Deployment,
    Disclosure,
    ManagementSystem,
    PendingInput,
    Provider,
    Service,
    ThirdPartyModel,
)


@dataclass(frozen=True)
class Step:
    code: str
    label: str  # English msgid; the Chinese is the registry's own heading
    portal: str


STEPS: tuple[Step, ...] = (
    Step("entity", _("Entity information"), "主体信息"),
    Step("basic", _("Basic attributes"), "算法基础属性"),
    Step("detail", _("Detailed attributes"), "算法详细属性"),
    Step("products", _("Products and functions"), "产品及功能"),
    Step("disclosure", _("Public disclosure"), "拟公示内容"),
    Step("attachments", _("Attachments"), "附件"),
    Step("review", _("Check"), "检查"),
)
STEP_CODES = tuple(s.code for s in STEPS)
SUPPORTER_PRODUCTS_STEP = Step("products", _("Technical service modes"), "技术服务方式")


def steps_for(algorithm: Algorithm) -> list[Step]:
    """A technical supporter's fourth step is 技术服务方式 instead of 产品及功能."""
    return [
        SUPPORTER_PRODUCTS_STEP if s.code == "products" and algorithm.is_technical_supporter else s
        for s in STEPS
    ]


@dataclass(frozen=True)
class PanelKind:
    kind: str
    model: type[models.Model]
    form: type[wf.PanelForm]
    step: str


PANEL_KINDS: dict[str, PanelKind] = {
    k.kind: k
    for k in (
        PanelKind("provider", Provider, wf.ProviderForm, "entity"),
        PanelKind("management-system", ManagementSystem, wf.ManagementSystemForm, "entity"),
        PanelKind("algorithm-basic", Algorithm, wf.AlgorithmBasicForm, "basic"),
        PanelKind("algorithm-detail", Algorithm, wf.AlgorithmDetailForm, "detail"),
        PanelKind("third-party-model", ThirdPartyModel, wf.ThirdPartyModelForm, "detail"),
        PanelKind("service", Service, wf.ServiceForm, "products"),
        PanelKind("deployment", Deployment, wf.DeploymentForm, "products"),
        PanelKind("algorithm-modes", Algorithm, wf.AlgorithmModesForm, "products"),
        PanelKind("disclosure", Disclosure, wf.DisclosureForm, "disclosure"),
        PanelKind("assessment-dates", Assessment, AssessmentDatesForm, "assessment"),
        PanelKind("assessment-conclusion", Assessment, ConclusionForm, "assessment"),
        PanelKind("answer", Answer, AnswerForm, "assessment"),
    )
}


def prefix(kind: str, pk: int) -> str:
    return f"{kind}-{pk}"


# Objects a page shows before they exist: an algorithm's disclosure and
# self-assessment, and the answer to each self-assessment item. Reading a page
# never creates them (GET is safe); the page shows an empty form, and its first
# save creates the object (wizard_views.panel_save_new, keyed by `key`: the
# item id of an answer, "new" for the others).
LAZY_KINDS = frozenset({"disclosure", "assessment-dates", "assessment-conclusion", "answer"})


def new_prefix(kind: str, key: str) -> str:
    """The form prefix of a panel whose object does not exist yet; an HTML id."""
    return f"{kind}-new-{re.sub(r'[^A-Za-z0-9_-]', '_', key)}"


def panel_prefix(kind: str, obj: models.Model, key: str = "") -> str:
    return prefix(kind, obj.pk) if obj.pk else new_prefix(kind, key)


def _get_or_create(model: type[models.Model], user, **fields) -> models.Model:
    lookup = {name: value for name, value in fields.items() if name != "workspace_id"}
    found = model.objects.filter(**lookup).first()
    if found is not None:
        return found
    obj = model(**fields)
    if user is not None:
        obj._history_user = user
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:  # created meanwhile by another request
        return model.objects.get(**lookup)
    return obj


def lazy_object(kind: str, algorithm: Algorithm, key: str, *, user=None) -> models.Model:
    """The object a lazy panel edits, created now if it does not exist (on a save only).

    Raises LookupError for a kind that is not lazy or an item the catalogue does not know.
    """
    if kind not in LAZY_KINDS:
        raise LookupError(kind)
    workspace_id = algorithm.workspace_id
    if kind == "disclosure":
        return _get_or_create(Disclosure, user, algorithm=algorithm, workspace_id=workspace_id)
    if kind == "answer" and not CatalogueItem.objects.filter(item_id=key).exists():
        raise LookupError(key)
    assessment = _get_or_create(Assessment, user, algorithm=algorithm, workspace_id=workspace_id)
    if kind == "answer":
        return _get_or_create(
            Answer, user, assessment=assessment, item=key, workspace_id=workspace_id
        )
    return assessment


@dataclass
class Panel:
    """One form on a step, ready to render: values from the model, overlaid by pending input."""

    kind: PanelKind
    obj: models.Model
    form: wf.PanelForm
    errors: dict[str, list[str]] = field(default_factory=dict)
    title: str = ""
    deletable: bool = False
    field_problems: dict = field(default_factory=dict)
    field_notes: dict = field(default_factory=dict)
    key: str = ""  # names an object not stored yet in its save URL (LAZY_KINDS)

    @property
    def prefix(self) -> str:
        return panel_prefix(self.kind.kind, self.obj, self.key)

    @property
    def base(self) -> str:
        return panel_base(self.kind.kind, self.obj)


def build_panel(
    kind: str, obj: models.Model, pending: PendingInput | None = None, **extra
) -> Panel:
    panel_kind = PANEL_KINDS[kind]
    stored = pending.data if pending else {}
    initial = {name: entry["value"] for name, entry in stored.items()}
    form_prefix = panel_prefix(kind, obj, extra.get("key", ""))
    form = panel_kind.form(instance=obj, prefix=form_prefix, initial=initial)
    errors = _pending_errors(panel_kind, obj, stored) if stored else {}
    return Panel(kind=panel_kind, obj=obj, form=form, errors=errors, **extra)


def _pending_errors(panel_kind: PanelKind, obj: models.Model, stored: dict) -> dict[str, list[str]]:
    """Validate the pending values again, with the stored values of the other
    fields, so that the messages are in the reader's language, not the typist's."""
    unbound = panel_kind.form(instance=obj, prefix=prefix(panel_kind.kind, obj.pk))
    data = {}
    for bound_field in unbound:
        name = bound_field.name
        value = stored[name]["value"] if name in stored else bound_field.value()
        if isinstance(value, list | tuple):
            data[bound_field.html_name] = [str(v) for v in value]
        else:
            data[bound_field.html_name] = "" if value is None else str(value)
    bound = panel_kind.form(data, instance=copy.copy(obj), prefix=prefix(panel_kind.kind, obj.pk))
    bound.is_valid()
    return {name: list(bound.errors.get(name, entry["errors"])) for name, entry in stored.items()}


@dataclass
class SaveResult:
    saved: list[str]
    errors: dict[str, list[str]]
    form: wf.PanelForm
    base: str = ""  # the panel's values after the save, for the next one
    conflicts: list[Conflict] = field(default_factory=list)


@dataclass(frozen=True)
class Conflict:
    """A field someone else saved since this form was loaded, with both values."""

    name: str
    label: str
    mine: str
    theirs: str
    by: str
    at: object
    theirs_input: str | None = (
        None  # what to put back into the field for "use theirs"; None: not a single input
    )


def _jsonable(value):
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _stored(kind: str, obj: models.Model) -> dict:
    return {name: _jsonable(getattr(obj, name)) for name in PANEL_KINDS[kind].form.base_fields}


def panel_base(kind: str, obj: models.Model) -> str:
    """The panel's stored values when its form was loaded (or last saved), as
    compact JSON: the common ancestor of a three-way comparison on save."""
    return json.dumps(
        _stored(kind, obj), sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )


def _display(form: wf.PanelForm, name: str, value) -> str:
    field = form.fields[name]
    if isinstance(value, list):
        labels = dict(getattr(field, "choices", []) or [])
        return "、".join(str(labels.get(v, v)) for v in value)
    if isinstance(value, models.Model):
        return str(value)
    choices = dict(getattr(field, "choices", []) or [])
    if value in choices and value not in ("", None):
        return str(choices[value])
    return "" if value is None else str(value)


def _last_author(obj: models.Model) -> tuple[str, object]:
    record = obj.history.order_by("-history_date").select_related("history_user").first()
    if record is None:
        return "", None
    user = record.history_user
    return (user.get_username() if user else ""), record.history_date


def save_panel(
    kind: str,
    obj: models.Model,
    data,
    *,
    user=None,
    base: str | None = None,
    form_prefix: str | None = None,
) -> SaveResult:
    """Store the valid values of a posted panel and keep the invalid ones pending.

    `base` holds the panel's values when its form was loaded (or last saved).
    A field someone else has saved since, to a value other than the one
    posted, is a conflict: then nothing is saved, and the conflicts come back
    with both values, for the user to take either or merge. Fields only one
    side changed merge by themselves. `form_prefix` is the prefix the page's
    form used, when its object did not exist yet (new_prefix).
    """
    panel_kind = PANEL_KINDS[kind]
    # The form validates a copy: ModelForm writes posted values into its instance.
    form = panel_kind.form(
        data, instance=copy.copy(obj), prefix=form_prefix or prefix(kind, obj.pk)
    )
    form.is_valid()
    errors = {name: list(messages) for name, messages in form.errors.items() if name in form.fields}
    valid = {
        name: form.cleaned_data[name]
        for name in form.fields
        if name in form.cleaned_data and name not in errors
    }
    with transaction.atomic():
        fresh = type(obj).objects.select_for_update().get(pk=obj.pk)
        if base:
            conflicts = _conflicts(kind, form, fresh, valid, errors, base)
            if conflicts:
                return SaveResult(saved=[], errors={}, form=form, base=base, conflicts=conflicts)
        changed = [name for name, value in valid.items() if getattr(fresh, name) != value]
        for name in changed:
            setattr(fresh, name, valid[name])
        if changed:
            if user is not None:
                fresh._history_user = user
            fresh.save(update_fields=[*changed, "updated_at"])
        _keep_pending(kind, fresh, form, errors, user)
    for name in changed:
        setattr(obj, name, valid[name])
    return SaveResult(saved=changed, errors=errors, form=form, base=panel_base(kind, fresh))


def _conflicts(
    kind: str, form: wf.PanelForm, fresh: models.Model, valid: dict, errors: dict, base: str
) -> list[Conflict]:
    stored = _stored(kind, fresh)
    try:
        ancestor = json.loads(base)
    except (ValueError, RecursionError):
        ancestor = {}  # unreadable: every difference counts as theirs
    if not isinstance(ancestor, dict):
        ancestor = {}
    conflicts = []
    by = at = None
    for name in form.fields:
        if name in ancestor and ancestor[name] == stored[name]:
            continue  # nobody else changed it
        theirs = getattr(fresh, name)
        mine = valid[name] if name in valid else form[name].data
        if name in valid and mine == theirs:
            continue
        if name in errors and str(mine) == str(_jsonable(theirs)):
            continue
        if by is None:
            by, at = _last_author(fresh)
        prepared = form.fields[name].prepare_value(theirs)
        conflicts.append(
            Conflict(
                name=name,
                label=str(form.fields[name].label),
                mine=_display(form, name, mine),
                theirs=_display(form, name, theirs),
                by=by,
                at=at,
                theirs_input=None
                if isinstance(prepared, list | tuple)
                else str(_jsonable(prepared) or ""),
            )
        )
    return conflicts


def _storable(raw):
    """Posted text as a JSON column can hold it: PostgreSQL refuses NUL, so a
    refused NUL is kept as U+FFFD, which shows the typist where it was."""
    if isinstance(raw, str):
        return raw.replace("\x00", "\ufffd")
    if isinstance(raw, list | tuple):
        return [_storable(item) for item in raw]
    return raw


def _keep_pending(kind: str, obj: models.Model, form: wf.PanelForm, errors: dict, user) -> None:
    entry = PendingInput.objects.filter(target=kind, object_id=obj.pk).first()
    data = dict(entry.data) if entry else {}
    for name in form.fields:
        data.pop(name, None)
    for name, messages in errors.items():
        raw = form[name].data  # what was posted, as the widget reads it
        data[name] = {"value": _storable(raw), "errors": messages}
    if not data:
        if entry:
            entry.delete()
        return
    if entry is None:
        entry = PendingInput(workspace_id=obj.workspace_id, target=kind, object_id=obj.pk)
    entry.data = data
    entry.updated_by = user
    entry.save()


def pending_for(objects: list[tuple[str, models.Model]]) -> dict[tuple[str, int], PendingInput]:
    """Pending input of several panels in one query."""
    if not objects:
        return {}
    query = models.Q()
    for kind, obj in objects:
        query |= models.Q(target=kind, object_id=obj.pk)
    return {(p.target, p.object_id): p for p in PendingInput.objects.filter(query)}
