"""The reach of a change to the shared provider (主体) before it is saved.

The provider and its management systems are part of every algorithm of
that provider: a change made from one algorithm's wizard withdraws the
approvals of the others (filings.versions) and, in a field the CAC treats as
a change, makes the filed ones owe a change filing (filings.changes). So the
entity step first says which other algorithms a change reaches and saves
only once the user confirms (filings.reach_views); the feed of each
algorithm reached then records it.

The reach is computed without writing: the posted values are applied to the
provider's part of each algorithm's current content in memory, and the
content before and after is compared with the approval and the filed
baseline. This module is separate from the wizard's conflict comparison
(filings.conflicts): it looks at what the save would change for others, not
at what others changed meanwhile.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils.translation import gettext as _

from . import changes, pii, snapshot, wizard
from .choices import FilingStatus
from .interchange.shapes import object_data
from .models import Activity, Algorithm, Filing, ManagementSystem, Provider

# Panel kinds that edit the shared entity.
REACH_KINDS = frozenset({"provider", "management-system"})


@dataclass(frozen=True)
class Reached:
    algorithm: Algorithm
    approval_withdrawn: bool  # its approval stands on the data as it is now, and would not
    change_due: bool  # filed, and the change is a 变更 the CAC has not been told of


@dataclass
class Reach:
    kind: str
    fields: list[str]  # the panel's fields this save would change
    labels: list[str]  # their labels
    reached: list[Reached] = field(default_factory=list)
    token: str = ""

    @property
    def withdrawn(self) -> list[Algorithm]:
        return [r.algorithm for r in self.reached if r.approval_withdrawn]

    @property
    def change_due(self) -> list[Algorithm]:
        return [r.algorithm for r in self.reached if r.change_due]


def _json(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _edits(kind: str, obj, data, form_prefix: str, base: str | None) -> tuple[dict, dict]:
    """(the values this save would write, the form's labels): valid posted
    values that differ from the stored ones and that the user changed (not
    the form's base value), masked personal numbers left out."""
    panel_kind = wizard.PANEL_KINDS[kind]
    form = panel_kind.form(data, instance=copy.copy(obj), prefix=form_prefix)
    form.is_valid()
    try:
        ancestor = json.loads(base) if base else {}
    except (ValueError, RecursionError):
        ancestor = {}
    if not isinstance(ancestor, dict):
        ancestor = {}
    stored = type(obj).objects.get(pk=obj.pk)
    edits = {}
    for name in form.fields:
        if name in form.errors or name not in form.cleaned_data:
            continue
        value = form.cleaned_data[name]
        raw = form[name].data
        if name in pii.PERSONAL_FIELDS and isinstance(raw, str) and pii.MASK in raw:
            continue  # a masked number posted back is never an edit
        if value == getattr(stored, name):
            continue
        if name in ancestor and _json(value) == ancestor[name]:
            continue  # not this user's edit: the save keeps the stored value
        edits[name] = value
    labels = {name: str(form.fields[name].label) for name in edits}
    return edits, labels


def _patched(content: dict, kind: str, candidate, index: int | None) -> dict:
    """`content` with the candidate provider (or management system) in place."""
    after = copy.deepcopy(content)
    provider = after["snapshot"]["providers"][0]
    if kind == "provider":
        provider.update(object_data("provider", candidate))
    elif index is not None:
        provider["management_systems"][index] = object_data("management_system", candidate)
    return after


def entity_reach(
    *, kind: str, obj, data, form_prefix: str, base: str | None, algorithm_id: int | None
) -> Reach | None:
    """Which other algorithms a save of this entity panel reaches; None when
    the save changes nothing or reaches no other algorithm's approval or filing."""
    if kind not in REACH_KINDS:
        return None
    edits, labels = _edits(kind, obj, data, form_prefix, base)
    if not edits:
        return None
    provider: Provider = obj if kind == "provider" else obj.provider
    others = list(
        Algorithm.objects.filter(provider=provider)
        .exclude(pk=algorithm_id)
        .select_related("workspace")
        .order_by("name", "pk")
    )
    if not others:
        return None
    stored = type(obj).objects.get(pk=obj.pk)
    candidate = copy.copy(stored)
    for name, value in edits.items():
        setattr(candidate, name, value)
    index = None
    if isinstance(obj, ManagementSystem):
        ids = list(provider.management_systems.values_list("pk", flat=True))
        index = ids.index(obj.pk) if obj.pk in ids else None
    before = snapshot.contents(provider.workspace, others)
    latest: dict[int, Filing] = {}
    for filing in (
        Filing.objects.filter(algorithm__in=others)
        .select_related("approved_version")
        .order_by("created_at", "pk")
    ):
        latest[filing.algorithm_id] = filing
    reached = []
    for algorithm in others:
        now = before[algorithm.pk]
        after = _patched(now, kind, candidate, index)
        digest_now, digest_after = snapshot.digest(now), snapshot.digest(after)
        if digest_now == digest_after:
            continue
        filing = latest.get(algorithm.pk)
        withdrawn = bool(
            filing is not None
            and filing.status == FilingStatus.APPROVED
            and filing.approved_version is not None
            and filing.approved_version.digest == digest_now
        )
        due = False
        baseline = changes.last_filed(algorithm)
        if baseline is not None:
            filed = baseline.filed_version.data
            due_after = changes.filing_changes(filed, after)
            due = bool(due_after) and due_after != changes.filing_changes(filed, now)
        if withdrawn or due:
            reached.append(Reached(algorithm, withdrawn, due))
    if not reached:
        return None
    reach = Reach(kind=kind, fields=list(edits), labels=list(labels.values()), reached=reached)
    reach.token = hashlib.sha256(
        json.dumps(
            [
                kind,
                obj.pk,
                {name: _json(value) for name, value in edits.items()},
                [(r.algorithm.pk, r.approval_withdrawn, r.change_due) for r in reached],
            ],
            sort_keys=True,
        ).encode()
    ).hexdigest()[:32]
    return reach


def record_reach(*, reach: Reach, by, source_algorithm_id: int | None) -> None:
    """After a confirmed save: the feed of each algorithm reached says so."""
    with transaction.atomic():
        for r in reach.reached:
            what = []
            if r.approval_withdrawn:
                what.append(_("its approval was withdrawn"))
            if r.change_due:
                what.append(_("a change filing is due"))
            Activity.objects.create(
                workspace_id=r.algorithm.workspace_id,
                algorithm=r.algorithm,
                actor=by,
                verb=Activity.Verb.OTHER,
                detail=_("The shared entity was changed (%(fields)s): %(what)s.")
                % {"fields": "、".join(reach.labels), "what": "; ".join(what)},
                data={
                    "event": "entity_change_reach",
                    "kind": reach.kind,
                    "fields": reach.fields,
                    "source_algorithm": source_algorithm_id,
                    "approval_withdrawn": r.approval_withdrawn,
                    "change_due": r.change_due,
                },
            )
