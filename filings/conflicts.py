"""Three-way merge of a save made from a form that may be stale.

Every autosaved form (the wizard's panels, the self-assessment's parts)
carries `_base`: the stored values when it was loaded, or last saved. On
save, each field is compared three ways, against that base (the common
ancestor), the values stored now (theirs) and the values posted (mine):

- only theirs changed: the stored value stays, and the page is told to show it;
- only mine changed: it is saved (or kept pending when refused);
- both changed, to different values: a conflict, shown beside the field with
  both values, who changed it and when; nothing of that field is written;
- both changed to the same value, or nobody changed it: nothing to do.

A field the user did not touch is never written, so a stale form cannot
revert somebody else's edit. A field absent from the post (not an unchecked
checkbox, which browsers leave out) is untouched, and so is a masked personal
number (filings.pii) posted back as it was shown.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.db import models

MISSING: Any = object()


def jsonable(value):
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def normal(value):
    """A value as the base (JSON) holds it: model -> pk, date -> ISO text, Decimal -> text."""
    return json.loads(json.dumps(jsonable(value), ensure_ascii=False, default=str))


def dumps(values: dict) -> str:
    return json.dumps(
        values, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )


def read_base(base: str | None) -> dict | None:
    """The posted base as a dict; None when none was posted (no three-way check),
    {} when it cannot be read (then every difference counts as both changed)."""
    if not base:
        return None
    try:
        ancestor = json.loads(base)
        json.dumps(ancestor, ensure_ascii=False).encode("utf-8")  # lone surrogates
    except (ValueError, RecursionError, UnicodeError):
        return {}
    return ancestor if isinstance(ancestor, dict) else {}


def _multiple(form_field: forms.Field) -> bool:
    return isinstance(form_field, forms.MultipleChoiceField) or getattr(
        form_field.widget, "allow_multiple_selected", False
    )


def _text(value):
    # Browsers post a textarea's new lines as CRLF; the stored text may hold LF.
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


def same(form_field: forms.Field, a, b) -> bool:
    """Whether two normal values are the same for this field (a multiple choice is a set)."""
    if isinstance(a, list) and isinstance(b, list):
        a, b = [_text(v) for v in a], [_text(v) for v in b]
        if _multiple(form_field):
            return sorted(map(str, a)) == sorted(map(str, b))
        return a == b
    return _text(a) == _text(b)


def input_values(form: forms.BaseForm, name: str, value) -> list[str]:
    """What the field's inputs hold to show `value` (a stored value), as a browser posts them."""
    form_field = form.fields[name]
    widget = form_field.widget
    if isinstance(widget, forms.CheckboxInput):
        return ["on"] if widget.check_test(value) else []
    if isinstance(value, str) and not _multiple(form_field):
        prepared = value
    else:
        prepared = form_field.prepare_value(value)
    formatted = widget.format_value(prepared)
    if formatted is None:
        return [""] if not _multiple(form_field) else []
    if isinstance(formatted, list | tuple):
        return [str(v) for v in formatted]
    return [str(formatted)]


def posted_values(form: forms.BaseForm, name: str) -> list[str]:
    raw = form[name].data
    if raw is None:
        return []
    if isinstance(raw, list | tuple):
        return [str(v) for v in raw]
    if isinstance(raw, bool):  # CheckboxInput reads its value as a boolean
        return ["on"] if raw else []
    return [str(raw)]


def _shows(form: forms.BaseForm, name: str, raw: list[str], value) -> bool:
    """Whether what was posted is what the form shows for the stored `value`."""
    try:
        shown = input_values(form, name, value)
    except (TypeError, ValueError, AttributeError):
        return False
    if isinstance(form.fields[name].widget, forms.Textarea | forms.TextInput):
        return [_text(v).strip() for v in raw] == [_text(v).strip() for v in shown]
    if _multiple(form.fields[name]):
        return sorted(raw) == sorted(shown)
    return raw == shown or (raw == [""] and shown == []) or (raw == [] and shown == [""])


@dataclass
class Merge:
    write: list[str] = field(default_factory=list)  # valid, changed by this user only
    touched: list[str] = field(default_factory=list)  # changed by this user, not in conflict
    conflicts: list[str] = field(default_factory=list)  # changed by both, differently
    refresh: list[str] = field(default_factory=list)  # changed by the other person only
    keep_base: dict = field(default_factory=dict)  # the next base holds these (unresolved)


def merge(
    form: forms.BaseForm,
    *,
    valid: dict,
    errors: dict,
    stored: dict,
    ancestor: dict | None,
    is_mask: Callable[[str, str, Any], bool] | None = None,
) -> Merge:
    """Compare each field of a validated `form` three ways.

    `valid` holds the cleaned values of the valid fields, `errors` the refused
    ones; `stored` the values stored now (normal); `ancestor` the posted base
    (read_base), None to take every posted field as this user's. `is_mask(name,
    raw, value)` says whether a posted text is the mask of a stored value.
    """
    result = Merge()
    for name, form_field in form.fields.items():
        html_name = form.add_prefix(name)
        if form_field.widget.value_omitted_from_data(form.data, form.files, html_name):
            continue  # not posted at all: untouched
        base = MISSING if ancestor is None else ancestor.get(name, MISSING)
        theirs = stored.get(name)
        raw = posted_values(form, name)
        if is_mask is not None and len(raw) == 1:
            if is_mask(name, raw[0], theirs) or (
                base is not MISSING and is_mask(name, raw[0], base)
            ):
                continue  # the masked number as shown: never an edit
        if name in valid:
            mine = normal(valid[name])
            mine_changed = base is MISSING or not same(form_field, mine, base)
            agrees = same(form_field, mine, theirs)
        else:
            mine_changed = base is MISSING or not _shows(form, name, raw, base)
            agrees = _shows(form, name, raw, theirs)
        if ancestor is None:
            theirs_changed = False
        else:
            theirs_changed = base is MISSING or not same(form_field, theirs, base)
        if not mine_changed:
            if theirs_changed:
                result.refresh.append(name)
            continue
        if theirs_changed and not agrees:
            result.conflicts.append(name)
            if base is not MISSING:
                result.keep_base[name] = base
            continue
        result.touched.append(name)
        if name in valid and not agrees:
            result.write.append(name)
    return result


def user_label(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def field_author(records, value_of: Callable[[Any], Any], current) -> tuple[str, object]:
    """Who set a field to its `current` (normal) value, and when, from the
    simple_history `records` (a queryset) and `value_of(record)`, the field's
    value in a record: the oldest record of the newest run holding it."""
    setter = None
    for record in records.order_by("-history_date", "-history_id").select_related("history_user")[
        :200
    ]:
        if not _same_value(value_of(record), current):
            break
        setter = record
    if setter is None:
        setter = records.order_by("-history_date").select_related("history_user").first()
    if setter is None:
        return "", None
    return user_label(setter.history_user), setter.history_date


def _same_value(value, current) -> bool:
    if value is MISSING:
        return False
    try:
        value = normal(value)
    except (TypeError, ValueError):
        return False
    if isinstance(value, list) and isinstance(current, list):
        return sorted(map(str, value)) == sorted(map(str, current))
    return _text(value) == _text(current)
