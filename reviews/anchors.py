"""What a comment is about, and how a JSON Pointer reads to a person.

An anchor is "" (the whole filing), a wizard step code ("basic"), or a JSON
Pointer into the algorithm's interchange snapshot ("/providers/0/algorithms/0/summary")
or into its attachments ("/attachments/flowchart"). Diffs (filings.versions)
use the same pointers under "/snapshot", so one function labels both.

Labels come from the interchange table (filings.interchange.SHAPES) and the
checks' field labels (filings.checks.label): a field renamed there is
renamed here. Where an anchor is edited (its step, its field) is
filings.placement's, as for the checks' problems.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from filings import placement, pointers, wizard
from filings.choices import AttachmentSlot
from filings.interchange import SHAPES, SINGLE_CHILDREN
from filings.labels import field_name as _field_name
from filings.labels import object_label, pointer_label

WHOLE_FILING = ""
STEP_CODES = frozenset(wizard.STEP_CODES)
# Offered as anchors as a whole (see anchor_choices).
_WHOLE_OBJECT_KINDS = frozenset({"answer", "risk"})


pointer = pointers.join
locate = placement.locate
_field_paths = placement.field_paths
_dig = placement.dig


def anchor_label(anchor: str, document: dict | None = None) -> str:
    if anchor == WHOLE_FILING:
        return _("The whole filing")
    if anchor in STEP_CODES:
        step = next(s for s in wizard.STEPS if s.code == anchor)
        return _("Step: %(step)s") % {"step": step.label}
    return pointer_label(anchor, document)


def step_of(anchor: str) -> str | None:
    """The wizard step (or "assessment", the self-assessment page) where the
    anchored field is edited (filings.placement); a step anchor is its step."""
    if anchor in STEP_CODES:
        return anchor
    return placement.step_of(anchor)


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
