"""What a comment is about, and how a JSON Pointer reads to a person.

An anchor is "" (the whole filing), a wizard step code ("basic"), or a JSON
Pointer into the algorithm's interchange snapshot ("/providers/0/algorithms/0/summary")
or into its attachments ("/attachments/flowchart"). Diffs (filings.versions)
use the same pointers under "/snapshot", so one function labels both.

Labels come from the interchange table (filings.interchange.SHAPES) and the
checks' field labels (filings.checks.label): a field renamed there is
renamed here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from filings import pii, wizard
from filings.checks import label as field_label
from filings.choices import AttachmentSlot
from filings.interchange import SHAPES, SINGLE_CHILDREN
from filings.validators import CodeListValidator
from workspaces.models import Workspace

WHOLE_FILING = ""
STEP_CODES = frozenset(wizard.STEP_CODES)
# Objects whose fields are the filing's own: their name would only repeat the page's title.
_TOP = frozenset({"provider", "algorithm"})
# The field that names an object of each kind, for "(deployment 2 · 首页推荐)".
_NAME_FIELDS = ("name", "function_name", "title", "item")
# Offered as anchors as a whole (see anchor_choices).
_WHOLE_OBJECT_KINDS = frozenset({"answer", "risk"})


def _escape(part) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def _unescape(part: str) -> str:
    return part.replace("~1", "/").replace("~0", "~")


def pointer(*parts) -> str:
    return "".join("/" + _escape(p) for p in parts)


@dataclass(frozen=True)
class Location:
    """Where a pointer leads: an object of a SHAPES kind and a field inside it."""

    path: tuple[
        tuple[str, int | None], ...
    ] = ()  # (kind, index in its list or None) from the provider down
    field: str = ""  # dotted path of the field inside the object ("" for the object itself)
    rest: tuple[str, ...] = ()  # keys below the field (a metric inside "metrics")
    slot: str | None = None  # an attachment slot instead of an object

    @property
    def kind(self) -> str | None:
        return self.path[-1][0] if self.path else None


def _field_paths(kind: str) -> dict[tuple[str, ...], str]:
    return {f.path: f.attr for f in SHAPES[kind].fields}


def locate(value: str) -> Location | None:
    """The object and field a pointer names; None when it names nothing we know."""
    if not value.startswith("/"):
        return None
    parts = [_unescape(p) for p in value[1:].split("/")]
    if parts[0] == "snapshot":
        parts = parts[1:]
    if len(parts) == 2 and parts[0] == "attachments":
        return Location(slot=parts[1])
    if len(parts) < 2 or parts[0] != "providers" or not parts[1].isdigit():
        return None
    kind, path, i = "provider", [("provider", int(parts[1]))], 2
    while i < len(parts):
        child = SHAPES[kind].children.get(parts[i])
        if child is None:
            break
        if parts[i] in SINGLE_CHILDREN:
            path.append((child, None))
            i += 1
        elif i + 1 < len(parts) and parts[i + 1].isdigit():
            path.append((child, int(parts[i + 1])))
            i += 2
        else:
            return None
        kind = child
    rest = tuple(parts[i:])
    known = _field_paths(kind)
    for end in range(len(rest), 0, -1):
        if rest[:end] in known:
            return Location(tuple(path), ".".join(rest[:end]), rest[end:])
    if rest == ("service",) and kind == "deployment":
        return Location(tuple(path), "service")
    if rest:
        return None
    return Location(tuple(path))


def _dig(document: dict | None, path) -> dict | None:
    """The object at `path` inside an interchange document (or a version's snapshot)."""
    if document is None:
        return None
    data: object = document.get("snapshot", document)
    keys = {child: key for shape in SHAPES.values() for key, child in shape.children.items()}
    for kind, index in path:
        if not isinstance(data, dict):
            return None
        data = data.get("providers" if kind == "provider" else keys[kind])
        if index is not None:
            data = data[index] if isinstance(data, list) and index < len(data) else None
    return data if isinstance(data, dict) else None


def object_label(kind: str, index: int | None, data: dict | None = None) -> str:
    """ "deployment 2 · 首页推荐", "disclosure"."""
    text = str(SHAPES[kind].model._meta.verbose_name)
    if index is not None and kind not in _TOP:  # a snapshot has one provider and one algorithm
        text = f"{text} {index + 1}"
    for name in _NAME_FIELDS:
        value = (data or {}).get(name)
        if isinstance(value, str) and value:
            return f"{text} · {value}"
    return text


def _field_name(kind: str, field: str) -> str:
    if kind == "deployment" and field == "service":
        return str(_("service"))
    return str(field_label(kind, field))


def pointer_label(value: str, document: dict | None = None) -> str:
    """A person's name for the field a pointer names, e.g. "Summary" or
    "Function name (deployment 2 · 首页推荐)". `document` (a snapshot or a
    version's data) supplies the names of the objects."""
    location = locate(value)
    if location is None:
        return _unknown_pointer_label(value)
    if location.slot is not None:
        slot = (
            AttachmentSlot(location.slot).label
            if location.slot in AttachmentSlot.values
            else location.slot
        )
        return _("Attachments: %(slot)s") % {"slot": slot}
    kind, index = location.path[-1]
    data = _dig(document, location.path)
    if not location.field:
        return capfirst(object_label(kind, index, data))
    text = capfirst(_field_name(kind, location.field))
    if location.rest:
        text = f"{text} › {' › '.join(location.rest)}"
    if kind in _TOP:
        return text
    return f"{text} ({object_label(kind, index, data)})"


def _unknown_pointer_label(value: str) -> str:
    """Words for a pointer outside the filing's objects (e.g. the workspace's name
    in a snapshot): never the raw pointer."""
    parts = [p for p in value.split("/") if p and p != "snapshot" and not p.isdigit()]
    if not parts:
        return str(_("The whole filing"))
    if parts[0] == "workspace":
        text = capfirst(str(Workspace._meta.verbose_name))
        return text if len(parts) == 1 else f"{text} › {' › '.join(parts[1:])}"
    return " › ".join(capfirst(p.replace("_", " ")) for p in parts)


def anchor_label(anchor: str, document: dict | None = None) -> str:
    if anchor == WHOLE_FILING:
        return _("The whole filing")
    if anchor in STEP_CODES:
        step = next(s for s in wizard.STEPS if s.code == anchor)
        return _("Step: %(step)s") % {"step": step.label}
    return pointer_label(anchor, document)


def field_attr(location: Location) -> str | None:
    """The model attribute of the field a location names (a metric inside a
    field belongs to that field); None for an object or an attachment."""
    if not location.field or location.kind is None:
        return None
    if location.kind == "deployment" and location.field == "service":
        return "service"
    return _field_paths(location.kind).get(tuple(location.field.split(".")))


def model_name(kind: str) -> str:
    return SHAPES[kind].model._meta.model_name


def step_of(anchor: str) -> str | None:
    """The wizard step (or "assessment") where the anchored field is edited."""
    if anchor in STEP_CODES:
        return anchor
    location = locate(anchor)
    if location is None:
        return None
    if location.slot is not None:
        return "attachments"
    kind = location.kind
    if kind in ("assessment", "answer", "risk"):
        return "assessment"
    model = SHAPES[kind].model
    attr = _field_paths(kind).get(tuple(location.field.split("."))) if location.field else None
    for panel in wizard.PANEL_KINDS.values():
        if panel.model is model and (attr is None or attr in panel.form._meta.fields):
            return panel.step
    return None


# ---------------------------------------------------------------------------
# Choices for the comment forms
# ---------------------------------------------------------------------------


def _objects(document: dict) -> Iterator[tuple[str, tuple, dict, tuple]]:
    def walk(kind, data, ptr, path):
        if kind == "filing":
            return  # lifecycle records: not part of what is reviewed
        data = data if isinstance(data, dict) else {}
        yield kind, ptr, data, path
        for key, child in SHAPES[kind].children.items():
            if key in SINGLE_CHILDREN:
                yield from walk(child, data.get(key), (*ptr, key), (*path, (child, None)))
            else:
                for i, item in enumerate(data.get(key) or []):
                    yield from walk(child, item, (*ptr, key, i), (*path, (child, i)))

    for i, provider in enumerate(document.get("providers") or []):
        yield from walk("provider", provider, ("providers", i), (("provider", i),))


def anchor_choices(algorithm, document: dict) -> list:
    """Grouped choices: the whole filing, each wizard step, each field of the
    snapshot (by object), each attachment slot."""
    groups: list = [(WHOLE_FILING, _("The whole filing"))]
    groups.append(
        (_("Wizard steps"), [(s.code, str(s.label)) for s in wizard.steps_for(algorithm)])
    )
    answers: list = []
    for kind, ptr, data, path in _objects(document):
        index = path[-1][1]
        if kind in _WHOLE_OBJECT_KINDS:
            # One choice per answer or risk, not per field: a catalogue has
            # over a hundred items, and this list is shown in several forms.
            answers.append((pointer(*ptr), capfirst(object_label(kind, index, data))))
            continue
        fields = [
            (pointer(*ptr, *f.path), capfirst(_field_name(kind, ".".join(f.path))))
            for f in SHAPES[kind].fields
        ]
        groups.append((capfirst(object_label(kind, index, data)), fields))
    if answers:
        groups.append((_("Self-assessment answers and risks"), answers))
    groups.append(
        (
            _("Attachments"),
            [(pointer("attachments", value), label) for value, label in AttachmentSlot.choices],
        )
    )
    return groups


def choice_values(groups: list) -> set[str]:
    values = set()
    for value, label in groups:
        if isinstance(label, list | tuple):
            values.update(v for v, _label in label)
        else:
            values.add(value)
    return values


# ---------------------------------------------------------------------------
# Values in diffs
# ---------------------------------------------------------------------------


def _attr(location: Location) -> str | None:
    if not location.field or location.kind is None or location.rest:
        return None
    return _field_paths(location.kind).get(tuple(location.field.split(".")))


def _model_field(location: Location) -> models.Field | None:
    attr = _attr(location)
    return SHAPES[location.kind].model._meta.get_field(attr) if attr else None


def _code_label(model_field: models.Field | None, code):
    if model_field is None:
        return code
    if model_field.choices:
        return dict(model_field.flatchoices).get(code, code)
    for validator in model_field.validators:
        if isinstance(validator, CodeListValidator):
            return dict(validator.choices.choices).get(code, code)
    return code


def display_value(value, at: str = "") -> str:
    """A diff value as text: choice codes by their label, lists joined,
    attachments by file name and the start of their hash, ID and mobile
    numbers masked (filings.pii: lists mask them, whoever reads them)."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    location = locate(at) if at else None
    if location is not None and location.kind == "provider":
        attr = _attr(location)
        if attr in pii.PERSONAL_FIELDS:
            return pii.mask(attr, value)
    if location is not None and location.slot is not None and isinstance(value, dict):
        return f"{value.get('name', '')} ({str(value.get('sha256', ''))[:12]})"
    model_field = _model_field(location) if location else None
    if isinstance(value, list):
        return ", ".join(display_value(_code_label(model_field, v)) for v in value)
    if isinstance(value, dict):
        kind = location.kind if location is not None and not location.field else None
        return "; ".join(
            f"{_key_label(kind, key)}: {display_value(v, f'{at}/{key}' if kind else '')}"
            for key, v in value.items()
        )
    return str(_code_label(model_field, value))


def _key_label(kind: str | None, key: str) -> str:
    """A key of an added or removed object by its field's name, when it is one."""
    if kind is not None:
        try:
            return capfirst(_field_name(kind, key))
        except (KeyError, LookupError, AttributeError):
            pass
    return key
