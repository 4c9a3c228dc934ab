"""How a JSON Pointer into an algorithm's snapshot reads to a person: the
field's label ("Function name (deployment 2 · 首页推荐)") and a value as text
(choice codes by their label, personal numbers masked). Used by the change
summary (filings.changes), the diffs, the feed and the comments (reviews).

Labels come from the interchange table (filings.interchange.SHAPES) and the
checks' field labels (filings.checks.label); where a pointer leads is
filings.placement's.
"""

from __future__ import annotations

from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from workspaces.models import Workspace

from . import pii, placement
from .checks import label as field_label
from .choices import AttachmentSlot
from .interchange import SHAPES
from .placement import Location, locate
from .validators import CodeListValidator

# Objects whose fields are the filing's own: their name would only repeat the page's title.
_TOP = frozenset({"provider", "algorithm"})
# The field that names an object of each kind, for "(deployment 2 · 首页推荐)".
_NAME_FIELDS = ("name", "function_name", "title", "item")


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


def field_name(kind: str, field: str) -> str:
    """The label of a field of a SHAPES kind, by its dotted JSON path."""
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
    data = placement.dig(document, location.path)
    if location.items:
        text = capfirst(str(SHAPES[location.items].model._meta.verbose_name_plural))
        return text if kind in _TOP else f"{text} ({object_label(kind, index, data)})"
    if not location.field:
        return capfirst(object_label(kind, index, data))
    text = capfirst(field_name(kind, location.field))
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


def _attr(location: Location) -> str | None:
    if not location.field or location.kind is None or location.rest:
        return None
    return placement.field_paths(location.kind).get(tuple(location.field.split(".")))


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
            return capfirst(field_name(kind, key))
        except (KeyError, LookupError, AttributeError):
            pass
    return key
