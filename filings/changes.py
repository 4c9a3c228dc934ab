"""Change filings (变更备案): what of the filed data the CAC treats as a change,
whether and since when a change filing is due, starting one, and correcting
a filing number.

The filed baseline of an algorithm is the version its last filing in force
stands for (`Filing.filed_version`): captured when the CAC's number is
recorded (filings.lifecycle), when a filing is imported as filed
(`capture_imported_baselines`) and for the demo's filed algorithm. A
change filing, once filed, moves the baseline to its own version.

Which fields count is data: filings/data/change_fields.json, a list of JSON
Pointer patterns into the version data with the source of each. A change
elsewhere (internal notes, the self-assessment's wording, a service the
algorithm does not use) is no 变更 and starts no clock.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from workdays.calendar import Deadline, Overrides
from workspaces.permissions import Capability, require_user, role_of

from . import deadlines, lifecycle, pointers, snapshot
from .choices import FilingKind, FilingStatus, ServiceForm
from .models import Activity, Algorithm, Filing, SnapshotVersion
from .validators import filing_number_warnings, normalize_code, validate_filing_number
from .versions import Change, _walk

FIELDS_FILE = Path(__file__).resolve().parent / "data" / "change_fields.json"
WILDCARD = "*"
# The change summary (变更说明) lists at most this many fields, each value cut to VALUE_MAX.
SUMMARY_FIELDS = 12
VALUE_MAX = 60


# ---------------------------------------------------------------------------
# The 变更 fields
# ---------------------------------------------------------------------------


def _split(pointer: str) -> tuple[str, ...]:
    return tuple(pointers.split(pointer))


@cache
def change_fields() -> tuple[dict, ...]:
    """The entries of change_fields.json: pointer, what (the CAC's name) and source."""
    data = json.loads(FIELDS_FILE.read_text(encoding="utf-8"))
    entries = tuple(data["fields"])
    for entry in entries:
        if not entry["pointer"].startswith("/snapshot/") or entry["source"] not in data["sources"]:
            raise ValueError(f"change_fields.json: bad entry {entry!r}")
    return entries


def patterns() -> tuple[tuple[str, ...], ...]:
    return tuple(_split(entry["pointer"]) for entry in change_fields())


def is_change_field(pointer: str) -> bool:
    """True when a change at `pointer` (a field of the version data) is a 变更:
    a pattern equals the pointer or one of its ancestors."""
    parts = _split(pointer)
    for pattern in patterns():
        if len(parts) >= len(pattern) and all(
            p == WILDCARD or p == part for p, part in zip(pattern, parts, strict=False)
        ):
            return True
    return False


def _service_text(service: dict | None) -> str | None:
    """A linked service as one value: what the CAC has of it in the filing (name, form, address)."""
    if not service:
        return None
    form = service.get("form")
    parts = [
        service.get("name") or "",
        str(ServiceForm(form).label) if form in ServiceForm.values else (form or ""),
        service.get("access_url") or "",
    ]
    return " · ".join(p for p in parts if p)


def change_view(data: dict) -> dict:
    """The version data as the change comparison sees it: each deployment
    names its service by what is filed of it (name, form, address) instead of
    the export's key, so a renamed linked service is a change of the product
    list and a service the algorithm does not use is none."""
    snap = data.get("snapshot") or {}
    providers = snap.get("providers") or []
    if not providers or not providers[0].get("algorithms"):
        return {"snapshot": snap}
    provider = providers[0]
    services = {s.get("key"): s for s in provider.get("services") or []}
    algorithm = provider["algorithms"][0]
    deployments = [
        {**d, "service": _service_text(services.get(d.get("service")))}
        for d in algorithm.get("deployments") or []
    ]
    return {
        "snapshot": {
            **snap,
            "providers": [
                {**provider, "algorithms": [{**algorithm, "deployments": deployments}]},
                *providers[1:],
            ],
        }
    }


def _children(value) -> list:
    if isinstance(value, dict):
        return list(value)
    if isinstance(value, list):
        return list(range(len(value)))
    return []


def _child(value, key):
    if isinstance(value, dict):
        return value.get(key)
    if isinstance(value, list) and isinstance(key, int) and key < len(value):
        return value[key]
    return None


def _expand(pattern: tuple[str, ...], before, after, at: str = ""):
    """(pointer, before value, after value) for each concrete place a pattern names."""
    if not pattern:
        yield at, before, after
        return
    head, rest = pattern[0], pattern[1:]
    if head == WILDCARD:
        keys = _children(before) + [k for k in _children(after) if k not in _children(before)]
    else:
        keys = [int(head) if head.isdigit() and isinstance(before or after, list) else head]
    for key in keys:
        yield from _expand(
            rest, _child(before, key), _child(after, key), f"{at}/{pointers.escape(key)}"
        )


def filing_changes(before: dict, after: dict) -> list[Change]:
    """The 变更 between two version datas (the filed one and another): field
    level, by JSON Pointer, only in the fields of change_fields.json."""
    before, after = change_view(before), change_view(after)
    out: list[Change] = []
    for pattern in patterns():
        for pointer, b, a in _expand(pattern, before, after):
            if b != a:
                _walk(b, a, pointer, out)
    return out


# ---------------------------------------------------------------------------
# Is a change filing due, since when, by when
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeDue:
    filing: Filing  # the filing whose data the CAC has on record (the baseline)
    changed_on: dt.date  # the day the clock started
    deadline: Deadline
    changes: list[Change]


def _in_force(filings: list[Filing]) -> Filing | None:
    """Of an algorithm's filings, the one holding the data the CAC has on record now."""
    holding = [f for f in filings if f.filed_version_id]
    if not holding:
        return None
    filing = max(holding, key=lambda f: (f.filed_version_id, f.pk))
    if filing.status != FilingStatus.FILED or filing.kind == FilingKind.CANCELLATION:
        return None  # cancelled or revoked since
    return filing


def last_filed(algorithm: Algorithm) -> Filing | None:
    """The filing that holds the data the CAC has on record now, if it is still in force."""
    return _in_force(
        list(
            Filing.objects.filter(algorithm=algorithm, filed_version__isnull=False).select_related(
                "filed_version"
            )
        )
    )


def _clock_start(algorithm_id: int, filed: SnapshotVersion) -> dt.date:
    """The day of the first version that differs from the filed one in a 变更
    field, after the last version that was the filed one exactly. A change
    made and undone does not start the clock."""
    later = SnapshotVersion.objects.filter(algorithm_id=algorithm_id, pk__gt=filed.pk)
    last_same = (
        later.filter(digest=filed.digest).order_by("-pk").values_list("pk", flat=True).first()
    )
    seen: dict[str, bool] = {}
    candidates = (
        later.filter(pk__gt=last_same or filed.pk)
        .exclude(digest=filed.digest)
        .order_by("pk")
        .only("pk", "digest", "created_at", "data")
    )
    for version in candidates.iterator(chunk_size=20):
        if version.digest not in seen:
            seen[version.digest] = bool(filing_changes(filed.data, version.data))
        if seen[version.digest]:
            return timezone.localdate(version.created_at)
    # Not recorded yet (the change is still being committed): it happens today.
    return timezone.localdate()


def _status(
    algorithm_id: int, filing: Filing | None, current: dict, overrides: Overrides | None = None
) -> ChangeDue | None:
    if filing is None:
        return None
    filed = filing.filed_version
    if snapshot.digest(current) == filed.digest:
        return None
    changes = filing_changes(filed.data, current)
    if not changes:
        return None
    changed_on = _clock_start(algorithm_id, filed)
    due = deadlines.change_filing_due(changed_on, overrides=overrides)
    return ChangeDue(filing, changed_on, due.deadline, changes)


def change_status(algorithm: Algorithm, *, current: dict | None = None) -> ChangeDue | None:
    """What differs from the data the CAC has on file in a 变更 field, and by
    when the change filing is due; None when nothing is due. `current` is
    snapshot.content(algorithm), when the caller has it already."""
    filing = last_filed(algorithm)
    if filing is None:
        return None
    if current is None:
        current = snapshot.content(algorithm)
    return _status(algorithm.pk, filing, current)


def change_statuses(workspace, *, overrides: Overrides | None = None) -> dict[int, ChangeDue]:
    """change_status of every algorithm of a workspace that has a filed
    baseline, with a fixed number of queries (plus the clock of those due)."""
    by_algorithm: dict[int, list[Filing]] = {}
    for filing in Filing.objects.filter(workspace=workspace, filed_version__isnull=False):
        by_algorithm.setdefault(filing.algorithm_id, []).append(filing)
    holding = {pk: _in_force(filings) for pk, filings in by_algorithm.items()}
    holding = {pk: f for pk, f in holding.items() if f is not None}
    if not holding:
        return {}
    versions = SnapshotVersion.objects.in_bulk([f.filed_version_id for f in holding.values()])
    for filing in holding.values():
        filing.filed_version = versions[filing.filed_version_id]
    algorithms = list(Algorithm.objects.filter(pk__in=holding).select_related("provider"))
    currents = snapshot.contents(workspace, algorithms)
    out = {}
    for algorithm in algorithms:
        status = _status(algorithm.pk, holding[algorithm.pk], currents[algorithm.pk], overrides)
        if status is not None:
            out[algorithm.pk] = status
    return out


# ---------------------------------------------------------------------------
# The filed baseline of imported filings
# ---------------------------------------------------------------------------


def capture_imported_baselines(algorithm_ids) -> None:
    """An algorithm imported with a filing recorded as filed: that filing stands
    for the data as imported (the CAC has it on record), so a later edit of a
    变更 field makes a change filing due. Call inside the import's transaction,
    after everything is written."""
    from .versions import contents, record

    filings = (
        Filing.objects.filter(
            algorithm_id__in=set(algorithm_ids),
            status=FilingStatus.FILED,
            filed_version__isnull=True,
        )
        .exclude(kind=FilingKind.CANCELLATION)
        .select_related("algorithm__workspace")
        .order_by("algorithm_id", "-created_at", "-pk")
    )
    newest: dict[int, Filing] = {}
    for filing in filings:
        newest.setdefault(filing.algorithm_id, filing)  # the newest filed filing holds the baseline
    by_workspace: dict[int, list[Filing]] = {}
    for filing in newest.values():
        by_workspace.setdefault(filing.algorithm.workspace_id, []).append(filing)
    for group in by_workspace.values():
        # The contents of all of them in one pass (a fixed number of queries), not one each.
        datas = contents(group[0].algorithm.workspace, [f.algorithm for f in group])
        for filing in group:
            baseline = record(
                filing.algorithm,
                data=datas[filing.algorithm_id],
                reason=SnapshotVersion.Reason.FILED,
            )
            Filing.objects.filter(pk=filing.pk).update(filed_version=baseline)


# ---------------------------------------------------------------------------
# Starting a change filing
# ---------------------------------------------------------------------------


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= VALUE_MAX else text[: VALUE_MAX - 1] + "…"


def change_summary(changes: list[Change], before: dict, after: dict) -> str:
    """The 变更说明 prefilled from the diff: one line per field, by its label,
    old → new, in Chinese (it goes to the CAC). Long texts are cut, ID numbers
    masked; past SUMMARY_FIELDS fields a last line counts the rest."""
    from .labels import display_value, pointer_label

    with override("zh-hans"):
        lines = []
        for change in changes[:SUMMARY_FIELDS]:
            label = pointer_label(change.pointer, after if change.after is not None else before)
            old = _short(display_value(change.before, change.pointer))
            new = _short(display_value(change.after, change.pointer))
            lines.append(f"{label}：{old} → {new}")
        rest = len(changes) - SUMMARY_FIELDS
        if rest > 0:
            lines.append(_("… and %(count)d more changed fields.") % {"count": rest})
        return "\n".join(lines)


def change_filing_start(*, algorithm: Algorithm, by) -> Filing:
    """Open the change filing (变更备案) of a filed algorithm whose filed data
    changed in a 变更 field: kind change, the day of the change as its event
    (the deadline counts from it) and the 变更说明 prefilled from the diff. It
    then goes through review and submission like any filing."""
    with transaction.atomic():
        locked = Algorithm.objects.select_for_update().get(pk=algorithm.pk)
        role = require_user(locked.workspace_id, by, Capability.EDIT)
        status = change_status(locked)
        filings = list(Filing.objects.filter(algorithm=locked).order_by("created_at", "pk"))
        refusal = lifecycle.change_filing_refusal(filings, role=role, change_due=status is not None)
        if refusal:
            raise ValidationError(refusal)
        current = snapshot.content(locked)
        from .versions import record

        # The content the change filing starts from, pinned in the history.
        record(locked, data=current, reason=SnapshotVersion.Reason.CHANGE_STARTED)
        filing = Filing(
            workspace_id=locked.workspace_id,
            algorithm=locked,
            kind=FilingKind.CHANGE,
            event_on=status.changed_on,
            change_summary=change_summary(
                status.changes, status.filing.filed_version.data, current
            ),
        )
        filing._history_user = by
        filing.full_clean()
        filing.save()
        Activity.objects.create(
            workspace_id=locked.workspace_id,
            algorithm=locked,
            filing=filing,
            actor=by,
            verb=Activity.Verb.OTHER,
            detail=filing.change_summary[:300],
            data={
                "event": "change_filing_started",
                "pointers": [c.pointer for c in status.changes[:50]],
                "changed_on": status.changed_on.isoformat(),
                "baseline": status.filing.filed_version_id,
            },
        )
    return filing


# ---------------------------------------------------------------------------
# Filing numbers
# ---------------------------------------------------------------------------


def number_used_elsewhere(*, workspace_id: int, number: str, algorithm_id: int) -> list[Algorithm]:
    """Other algorithms of the workspace with this filing number recorded."""
    number = normalize_code(number)
    ids = (
        Filing.objects.filter(workspace_id=workspace_id, filing_number=number)
        .exclude(algorithm_id=algorithm_id)
        .values_list("algorithm_id", flat=True)
    )
    return list(Algorithm.objects.filter(pk__in=set(ids)).order_by("name", "pk"))


def number_warnings(*, workspace_id: int, number: str, algorithm_id: int) -> list[str]:
    """What to tell whoever records `number`: a 22-digit number, or one already
    recorded for another algorithm of the workspace."""
    warnings = list(filing_number_warnings(normalize_code(number)))
    others = number_used_elsewhere(
        workspace_id=workspace_id, number=number, algorithm_id=algorithm_id
    )
    if others:
        warnings.append(
            _("This filing number is already recorded for another algorithm: %(names)s.")
            % {"names": "、".join(str(a) for a in others)}
        )
    return warnings


def filing_number_correct(*, filing: Filing, by, number: str, reason: str) -> list[str]:
    """An owner corrects the number recorded for a filing (a typing error, a
    number the CAC reissued). The reason is required and kept in the filing's
    history and the activity feed. Returns the warnings about the new number."""
    number = normalize_code(number or "")
    reason = (reason or "").strip()
    errors = {}
    try:
        validate_filing_number(number)
    except ValidationError as error:
        errors["filing_number"] = error.messages
    if not reason:
        errors["reason"] = [_("Say why the number is corrected.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Filing.objects.select_for_update().get(pk=filing.pk)
        refusal = lifecycle.number_correction_refusal(locked, role=role_of(locked.workspace_id, by))
        if refusal:
            raise PermissionDenied(refusal)
        old = locked.filing_number
        if old == number:
            raise ValidationError({"filing_number": [_("This is the number already recorded.")]})
        locked.filing_number = number
        locked._history_user = by
        locked._change_reason = reason[:100]
        locked.full_clean()
        locked.save(update_fields=["filing_number", "updated_at"])
        Activity.objects.create(
            workspace_id=locked.workspace_id,
            algorithm_id=locked.algorithm_id,
            filing=locked,
            actor=by,
            verb=Activity.Verb.OTHER,
            detail=f"{old} → {number}: {reason}"[:1000],
            data={
                "event": "filing_number_corrected",
                "from": old,
                "to": number,
                "reason": reason,
            },
        )
    filing.refresh_from_db()
    return number_warnings(
        workspace_id=filing.workspace_id, number=number, algorithm_id=filing.algorithm_id
    )
