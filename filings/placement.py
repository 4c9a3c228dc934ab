"""Where a JSON Pointer is edited: the wizard step (or the self-assessment
page), the panel, the form field, and the link that lands on it.

The checks, the comments and the diffs name a field by a JSON Pointer into an
algorithm's snapshot (filings.interchange). This module is the one
translation from such a pointer to the place a person corrects it: the
wizard hangs each problem beside its field and counts the problems of each
step with it (filings.wizard_views), the check lists of the wizard and of the
review page link each problem with it, and the review app labels and places
comment threads with it (reviews.anchors, reviews.selectors).

Two stages. `locate` reads a pointer against the shape table alone: which
object of which kind, which field, or which attachment slot. A `Placer`
knows one algorithm and the export's locations (which stored object sits at
which pointer), and gives a `Place`: step, panel, form field and the HTML id
of the element on the page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.urls import reverse

from . import interchange, pointers, wizard
from .interchange import SHAPES, SINGLE_CHILDREN

# The self-assessment page (assessments:page): its own page, not a wizard step.
ASSESSMENT = "assessment"
ATTACHMENTS = "attachments"
# The assessment page's parts that are no model form (assessments.selectors, .services):
# the TC260 quantities (one input per metric id) and the risks (one per kind).
METRICS_PANEL = "assessment-metrics"
RISKS_PANEL = "assessment-risks"


def dict_panel_prefix(panel: str, algorithm_pk: int) -> str:
    """The form prefix of METRICS_PANEL or RISKS_PANEL: keyed by the algorithm,
    so the page can show the panel before an assessment exists."""
    return f"{panel}-{algorithm_pk}"


# ---------------------------------------------------------------------------
# Pointer -> object and field (the shape table only)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    """Where a pointer leads: an object of a SHAPES kind and a field inside
    it, the list of its children of one kind, or an attachment slot."""

    # (kind, index in its list or None) from the provider down
    path: tuple[tuple[str, int | None], ...] = ()
    field: str = ""  # dotted path of the field inside the object ("" for the object itself)
    rest: tuple[str, ...] = ()  # keys below the field (a metric inside "metrics")
    slot: str | None = None  # an attachment slot (of the filing, or of the algorithm at `path`)
    items: str | None = None  # the list of the object's children of this kind ("deployment")

    @property
    def kind(self) -> str | None:
        return self.path[-1][0] if self.path else None


def field_paths(kind: str) -> dict[tuple[str, ...], str]:
    """JSON path inside an object of `kind` -> model attribute."""
    return {f.path: f.attr for f in SHAPES[kind].fields}


def locate(pointer: str) -> Location | None:
    """The object and field a pointer names; None when it names nothing we
    know. Pointers of version data (under "/snapshot") read the same."""
    if not pointer.startswith("/"):
        return None
    parts = pointers.split(pointer)
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
        elif i + 1 == len(parts):
            return Location(tuple(path), items=child)
        else:
            return None
        kind = child
    rest = tuple(parts[i:])
    if kind == "algorithm" and len(rest) == 2 and rest[0] == "attachments":
        return Location(tuple(path), slot=rest[1])
    known = field_paths(kind)
    for end in range(len(rest), 0, -1):
        if rest[:end] in known:
            return Location(tuple(path), ".".join(rest[:end]), rest[end:])
    if rest == ("service",) and kind == "deployment":
        return Location(tuple(path), "service")
    if rest:
        return None
    return Location(tuple(path))


def field_attr(location: Location) -> str | None:
    """The model attribute of the field a location names (a metric inside a
    field belongs to that field); None for an object, a list or a slot."""
    if not location.field or location.kind is None:
        return None
    if location.kind == "deployment" and location.field == "service":
        return "service"  # a key reference to a service, outside the shape's fields
    return field_paths(location.kind).get(tuple(location.field.split(".")))


def dig(document: dict | None, path) -> dict | None:
    """The object at a Location's `path` inside an interchange document (or a
    version's data, under "snapshot"); None when it is not there."""
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


def object_pointer(path: tuple[tuple[str, int | None], ...]) -> str:
    """The pointer of the object at `path` (a Location's)."""
    parts: list = []
    parent = None
    for kind, index in path:
        if parent is None:
            parts.append("providers")
        else:
            parts.append(next(k for k, v in SHAPES[parent].children.items() if v == kind))
        if index is not None:
            parts.append(index)
        parent = kind
    return pointers.join(*parts)


# ---------------------------------------------------------------------------
# Object and field -> step and panel (the panels of filings.wizard)
# ---------------------------------------------------------------------------


def panel_for(kind: str, attr: str | None = None) -> wizard.PanelKind | None:
    """The panel whose form edits `attr` of an object of `kind` (with no
    attr: the object's first panel); None when no panel edits it."""
    model = SHAPES[kind].model
    for panel in wizard.PANEL_KINDS.values():
        if panel.model is model and (attr is None or attr in panel.form.base_fields):
            return panel
    return None


def _step_of_path(path, kind: str | None = None) -> str | None:
    """The step of an object of `kind` under `path` (or of the object at
    `path`): its panels' step, else the nearest ancestor's."""
    kinds = [k for k, _index in path] + ([kind] if kind else [])
    for k in reversed(kinds):
        panel = panel_for(k)
        if panel is not None:
            return panel.step
    return None


def step_of(pointer: str) -> str | None:
    """The wizard step (or ASSESSMENT) where what the pointer names is edited;
    None for a pointer that names nothing we know."""
    location = locate(pointer)
    if location is None:
        return None
    if location.slot is not None:
        return ATTACHMENTS
    if location.items:
        return _step_of_path(location.path, location.items)
    attr = field_attr(location)
    panel = panel_for(location.kind, attr) if attr else None
    if panel is not None:
        return panel.step
    return _step_of_path(location.path)


# ---------------------------------------------------------------------------
# Placing the pointers of one algorithm's snapshot
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where to correct what a pointer names."""

    step: str | None  # a wizard step code, ASSESSMENT, or None (nowhere we know)
    panel: str = ""  # the panel kind editing it (wizard.PANEL_KINDS, METRICS_PANEL …)
    attr: str = ""  # the form field's name in that panel ("" for an object, a list, a slot)
    model_name: str = ""  # the stored object's model, and its pk when stored
    pk: int | None = None
    prefix: str = ""  # the panel's form prefix on its page ("" when unknown)
    element: str = ""  # the HTML id the link lands on ("" for the top of the page)
    label: str = ""  # the form field's label

    @property
    def wizard_step(self) -> str:
        """The wizard step that lists it: the 检查 step for the self-assessment
        and for what no step edits."""
        return self.step if self.step in wizard.STEP_CODES else "review"

    def url(self, slug: str, algorithm_pk: int) -> str:
        if self.step == ASSESSMENT:
            path = reverse("assessments:page", args=[slug, algorithm_pk])
        else:
            path = reverse("filings:wizard", args=[slug, algorithm_pk, self.wizard_step])
        return f"{path}#{self.element}" if self.element else path


def snapshot_locations(algorithm) -> dict:
    """Where each stored object sits in the algorithm's snapshot: (model name, pk) -> pointer."""
    found: dict = {}
    interchange.algorithm_snapshot(algorithm, locations=found)
    return found


class Placer:
    """Places the pointers of one algorithm's snapshot (interchange.algorithm_snapshot).

    `locations` is that export's map ((model name, pk) -> pointer), or a
    function computing it; without it the export is made, once and only when
    a pointer below the provider and the algorithm needs it. `document` is
    the snapshot: it names the self-assessment item of an answer."""

    def __init__(
        self,
        algorithm,
        *,
        locations: Mapping | Callable[[], Mapping] | None = None,
        document: dict | None = None,
    ) -> None:
        self.algorithm = algorithm
        self.document = document
        self._locations = locations if locations is not None else self._export
        self._objects: dict[str, tuple[str, int]] | None = None

    def _export(self) -> dict:
        return snapshot_locations(self.algorithm)

    def object_at(self, pointer: str) -> tuple[str, int] | None:
        """(model name, pk) of the stored object at `pointer`, if any."""
        if pointer == "/providers/0":
            return ("provider", self.algorithm.provider_id)
        if pointer == "/providers/0/algorithms/0":
            return ("algorithm", self.algorithm.pk)
        if self._objects is None:
            found = self._locations() if callable(self._locations) else self._locations
            self._objects = {at: obj for obj, at in found.items()}
        return self._objects.get(pointer)

    def __call__(self, pointer: str) -> Place:
        location = locate(pointer)
        if location is None:
            return Place(None)
        if location.slot is not None:
            return Place(ATTACHMENTS, element=f"slot-{location.slot}")
        if location.items:
            return Place(_step_of_path(location.path, location.items))
        kind = location.kind
        attr = field_attr(location)
        if kind == "assessment" and attr == "metrics":
            return self._metric(location)
        if kind == "risk":
            return Place(ASSESSMENT, panel=RISKS_PANEL, element="risks")
        panel = panel_for(kind, attr)
        if panel is None:  # a field no panel edits (the filings' records): its object's step
            return Place(_step_of_path(location.path))
        stored = self.object_at(object_pointer(location.path))
        key = self._lazy_key(panel, location)
        if stored is not None:
            prefix = wizard.prefix(panel.kind, stored[1])
        elif key:
            prefix = wizard.new_prefix(panel.kind, key)
        else:
            prefix = ""
        common = {
            "panel": panel.kind,
            "model_name": panel.model._meta.model_name,
            "pk": stored[1] if stored else None,
            "prefix": prefix,
        }
        if attr is None:  # the object as a whole
            return Place(panel.step, element=self._object_element(panel, prefix, key), **common)
        return Place(
            panel.step,
            attr=attr,
            element=f"id_{prefix}-{attr}" if prefix else "",
            label=str(panel.form.base_fields[attr].label or ""),
            **common,
        )

    def _lazy_key(self, panel: wizard.PanelKind, location: Location) -> str:
        """The key of a panel shown before its object exists (wizard.LAZY_KINDS)."""
        if panel.kind not in wizard.LAZY_KINDS:
            return ""
        if panel.kind == "answer":
            return str((dig(self.document, location.path) or {}).get("item") or "")
        return "new"

    @staticmethod
    def _object_element(panel: wizard.PanelKind, prefix: str, key: str) -> str:
        if panel.kind == "answer":
            return f"item-{key}" if key else ""
        if panel.step == ASSESSMENT or not prefix:
            return ""
        return f"panel-{prefix}"

    def _metric(self, location: Location) -> Place:
        metric = location.rest[0] if location.rest else ""
        prefix = dict_panel_prefix(METRICS_PANEL, self.algorithm.pk)
        return Place(
            ASSESSMENT,
            panel=METRICS_PANEL,
            attr=metric,
            prefix=prefix,
            element=f"id_{prefix}-{metric}" if metric else "metrics",
        )
