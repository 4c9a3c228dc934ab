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
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _

from config.database_busy import retry_when_locked

from . import conflicts, pii
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
        # + the panels of apps above filings (register_panel_kind): the
        # self-assessment's "assessment-dates", "assessment-conclusion", "answer"
    )
}


def prefix(kind: str, pk: int) -> str:
    return f"{kind}-{pk}"


# Objects a page shows before they exist: an algorithm's disclosure and
# self-assessment, and the answer to each self-assessment item. Reading a page
# never creates them (GET is safe); the page shows an empty form, and its first
# save creates the object (wizard_views.panel_save_new, keyed by `key`: the
# item id of an answer, "new" for the others).
LAZY_KINDS: set[str] = {"disclosure"}
# Kind -> how its object is created on the first save: factory(algorithm, key, user=…),
# raising LookupError for a key it does not know.
_LAZY_FACTORIES: dict[str, Callable[..., models.Model]] = {}


def register_panel_kind(
    panel_kind: PanelKind, *, lazy: Callable[..., models.Model] | None = None
) -> None:
    """Add a panel kind of an app above filings (called from its AppConfig.ready());
    with `lazy`, its page shows it before its object exists (LAZY_KINDS)."""
    PANEL_KINDS[panel_kind.kind] = panel_kind
    if lazy is not None:
        LAZY_KINDS.add(panel_kind.kind)
        _LAZY_FACTORIES[panel_kind.kind] = lazy


def new_prefix(kind: str, key: str) -> str:
    """The form prefix of a panel whose object does not exist yet; an HTML id."""
    return f"{kind}-new-{re.sub(r'[^A-Za-z0-9_-]', '_', key)}"


def panel_prefix(kind: str, obj: models.Model, key: str = "") -> str:
    return prefix(kind, obj.pk) if obj.pk else new_prefix(kind, key)


def get_or_create(model: type[models.Model], user, **fields) -> models.Model:
    """The row with these fields, created (as `user`) when missing; a row
    created meanwhile by another request is returned, not duplicated."""
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
    if kind == "disclosure":
        return get_or_create(
            Disclosure, user, algorithm=algorithm, workspace_id=algorithm.workspace_id
        )
    return _LAZY_FACTORIES[kind](algorithm, key, user=user)


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
    field_threads: dict = field(default_factory=dict)  # attr -> open comment threads (reviews)
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
    # Fields only someone else changed: the values their inputs should show now,
    # by input name (the page updates them unless typed over meanwhile).
    refresh: dict[str, list[str]] = field(default_factory=dict)
    # The base that makes a second post of the same values keep this user's
    # value of each conflicting field (the no-JavaScript "Save my version").
    keep_mine_base: str = ""

    @property
    def conflicts_by_name(self) -> dict[str, Conflict]:
        return {c.name: c for c in self.conflicts}

    @property
    def refresh_json(self) -> str:
        return json.dumps(self.refresh, ensure_ascii=False)


@dataclass(frozen=True)
class Conflict:
    """A field both this user and someone else changed since the form was
    loaded, to different values: both values, who set theirs and when."""

    name: str
    label: str
    mine: str
    theirs: str
    by: str
    at: object
    theirs_input: str | None = (
        None  # what to put back into the field for "use theirs"; None: not a single input
    )
    html_name: str = ""  # the field's input name on the page
    theirs_values: str = "[]"  # JSON list: the inputs' values that show theirs
    theirs_base: str = "null"  # JSON: theirs as the base holds it ("keep mine" bases on it)


def _jsonable(value):
    return conflicts.jsonable(value)


def _stored(kind: str, obj: models.Model) -> dict:
    return {name: _jsonable(getattr(obj, name)) for name in PANEL_KINDS[kind].form.base_fields}


def panel_base(kind: str, obj: models.Model) -> str:
    """The panel's stored values when its form was loaded (or last saved), as
    compact JSON: the common ancestor of a three-way comparison on save."""
    return conflicts.dumps(_stored(kind, obj))


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


def _is_mask(kind: str):
    """A personal number posted back as masked (filings.pii) is never an edit."""
    if PANEL_KINDS[kind].model is not Provider:
        return None

    def is_mask(name: str, raw: str, value) -> bool:
        return (
            name in pii.PERSONAL_FIELDS
            and pii.MASK in raw
            and bool(value)
            and raw.strip() == pii.mask(name, value)
        )

    return is_mask


@retry_when_locked
def save_new_panel(
    *, kind: str, algorithm: Algorithm, key: str, data, by=None, base: str | None = None
) -> tuple[models.Model, SaveResult]:
    """save_panel for a panel whose object may not exist yet (LAZY_KINDS): its
    first save creates it (lazy_object), in the same transaction, so that a
    refused or failed save leaves no empty row behind. Raises LookupError for
    a kind that is not lazy or an item the catalogue does not know."""
    with transaction.atomic():
        obj = lazy_object(kind, algorithm, key, user=by)
        result = save_panel(kind, obj, data, user=by, base=base, form_prefix=new_prefix(kind, key))
    return obj, result


@retry_when_locked
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

    `base` holds the panel's values when its form was loaded (or last saved),
    and each field is compared three ways (filings.conflicts): a field only
    someone else changed keeps their value, a field only this user changed is
    saved, and a field both changed to different values is a conflict, which
    comes back with both values while the other fields are saved. Without a
    base every posted field counts as this user's. `form_prefix` is the prefix
    the page's form used, when its object did not exist yet (new_prefix).
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
    ancestor = conflicts.read_base(base)
    with transaction.atomic():
        fresh = type(obj).objects.select_for_update().get(pk=obj.pk)
        stored = {name: conflicts.normal(value) for name, value in _stored(kind, fresh).items()}
        merge = conflicts.merge(
            form,
            valid=valid,
            errors=errors,
            stored=stored,
            ancestor=ancestor,
            is_mask=_is_mask(kind),
        )
        changed = [name for name in merge.write if getattr(fresh, name) != valid[name]]
        for name in changed:
            setattr(fresh, name, valid[name])
        if changed:
            if user is not None:
                fresh._history_user = user
            fresh.save(update_fields=[*changed, "updated_at"])
        kept = {name: errors[name] for name in merge.touched if name in errors}
        _keep_pending(kind, fresh, form, kept, user, names=merge.touched)
        found = _conflicts(form, fresh, merge.conflicts, valid, stored)
    for name in changed:
        setattr(obj, name, valid[name])
    after = _stored(kind, fresh)
    next_base = {**after, **merge.keep_base}
    for name in merge.conflicts:
        if name not in merge.keep_base:
            next_base.pop(name, None)  # the base did not have it: still unresolved
    keep_mine = {
        **(after if ancestor is None else ancestor),
        **{c.name: stored[c.name] for c in found},
    }
    return SaveResult(
        saved=changed,
        errors={name: messages for name, messages in errors.items() if name not in merge.conflicts},
        form=form,
        base=conflicts.dumps(next_base),
        conflicts=found,
        refresh={
            form.add_prefix(name): conflicts.input_values(form, name, getattr(fresh, name))
            for name in merge.refresh
        },
        keep_mine_base=conflicts.dumps(keep_mine),
    )


def _history_name(obj: models.Model, name: str) -> str:
    try:
        return obj._meta.get_field(name).attname
    except Exception:  # a form field that is no model field
        return name


def _conflicts(
    form: wf.PanelForm, fresh: models.Model, names: list[str], valid: dict, stored: dict
) -> list[Conflict]:
    found = []
    for name in names:
        theirs = getattr(fresh, name)
        mine = valid[name] if name in valid else form[name].data
        attname = _history_name(fresh, name)
        by, at = conflicts.field_author(
            fresh.history.all(),
            lambda record, attname=attname: getattr(record, attname, conflicts.MISSING),
            stored[name],
        )
        prepared = form.fields[name].prepare_value(theirs)
        found.append(
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
                html_name=form.add_prefix(name),
                theirs_values=json.dumps(
                    conflicts.input_values(form, name, theirs), ensure_ascii=False
                ),
                theirs_base=json.dumps(stored[name], ensure_ascii=False),
            )
        )
    return found


def _storable(raw):
    """Posted text as a JSON column can hold it: PostgreSQL refuses NUL, so a
    refused NUL is kept as U+FFFD, which shows the typist where it was."""
    if isinstance(raw, str):
        return raw.replace("\x00", "\ufffd")
    if isinstance(raw, list | tuple):
        return [_storable(item) for item in raw]
    return raw


def _keep_pending(
    kind: str, obj: models.Model, form: wf.PanelForm, errors: dict, user, *, names=None
) -> None:
    """Keep the refused values of the fields `names` (default: all the form's)
    pending, and forget their earlier pending values; other fields' stay."""
    entry = PendingInput.objects.filter(target=kind, object_id=obj.pk).first()
    data = dict(entry.data) if entry else {}
    for name in form.fields if names is None else names:
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
