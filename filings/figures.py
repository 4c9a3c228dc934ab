"""Each algorithm's figures, stored: completeness, error and warning counts,
the problems, the latest filing status and the next deadline.

    refresh(algorithms)             recompute and store those whose inputs changed
    compute(workspace, algorithms)  the same figures in memory, stored nowhere
    stored(algorithm)               the stored figures, for a page
    touched(ids)                    a write: mark them now, recompute after the commit

The dashboard, the algorithm page and `check_filing` read the stored rows
(models.AlgorithmFigures), so that no request runs the checks of a whole
workspace. They are kept current by the writes themselves:

1. Every save or delete of the filing data (the models filings.versions
   watches) and of a filing marks the algorithms it touches `dirty` and
   bumps their `generation`, in the writer's transaction.
2. After the transaction commits, those algorithms are recomputed (after
   filings.versions has recorded their versions, which the change-filing
   clock reads). A change that reaches more than INLINE_MAX algorithms (the
   provider's name, say) is handed to the worker instead, so that one
   autosave does not run the checks of a thousand algorithms.
3. A result is stored only if no write came in while it was computed (the
   generation is unchanged): that write's own recomputation stores its.
4. A row is recomputed only when its inputs differ: the fingerprint of the
   algorithm's snapshot (with its filings) and attachment slots, and the
   context shared by every algorithm (catalogue, materials list, calendar
   entries, SCHEMA). The date matters too (a launch date in the future, an
   expired certificate): the beat task `filings.refresh_stale_figures`
   recomputes each row once a day, and whatever a failed refresh left dirty.

A GET never writes: the dashboard shows a dirty row as being updated, and
computes the rows of its page that have no figures yet in memory (without
the checks that need the self-assessment catalogue, which reading may
load); the algorithm page says they are being computed.

Known limit: the checks that compare an algorithm with the workspace's other
algorithms (similar disclosure texts) update the other algorithms' counts on
their next recomputation (their own edit, or the daily pass), not at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone, translation

from workdays.calendar import Deadline, Overrides, deadline_on, load_overrides

from . import changes, checks, deadlines, interchange
from .deadlines import KIND_LABELS, NextDeadline
from .models import (
    Algorithm,
    AlgorithmFigures,
    Attachment,
    Disclosure,
    Filing,
    Material,
    SnapshotVersion,
)

logger = logging.getLogger(__name__)

# Bump when what is computed changes: every stored row is then recomputed.
SCHEMA = 1
# More algorithms touched by one commit than this go to the worker.
INLINE_MAX = 20

_FIELDS = (
    "status",
    "filing_numbers",
    "completeness",
    "errors",
    "warnings",
    "approval_errors",
    "deadline_kind",
    "deadline_event",
    "deadline_due",
    "deadline_fallback_years",
    "change_due",
    "problems",
    "fingerprint",
    "context",
    "computed_on",
    "dirty",
)
# What a list of algorithms reads (not the problems).
LIST_FIELDS = tuple(name for name in _FIELDS if name != "problems")


# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------


def _sha256(data) -> str:
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def context_key(catalogue=None) -> str:
    """The SHA-256 of what every algorithm's figures depend on beside its own data."""
    import chinese_calendar

    from workdays.models import CalendarDay, CalendarYear

    from .applicability import catalogue_rules as check_catalogue

    catalogue = catalogue if catalogue is not None else check_catalogue()
    return _sha256(
        {
            "schema": SCHEMA,
            "catalogue": [list(item) for item in catalogue.items] if catalogue else None,
            "metrics": sorted(catalogue.metrics.items()) if catalogue else None,
            "materials": list(
                Material.objects.order_by("code").values_list(
                    "code", "active", "slot", "producer", "when", "position"
                )
            ),
            "days": list(CalendarDay.objects.order_by("date").values_list("date", "is_workday")),
            "years": list(
                CalendarYear.objects.filter(complete=True)
                .order_by("year")
                .values_list("year", flat=True)
            ),
            "calendar": getattr(chinese_calendar, "__version__", ""),
        }
    )


def _slots(algorithms: list[Algorithm]) -> dict[int, set[str]]:
    """Per algorithm, the slots holding a file: its own and its provider's. One query."""
    ids = {a.pk for a in algorithms}
    provider_of = {a.pk: a.provider_id for a in algorithms}
    by_provider: dict[int, set[str]] = {}
    out: dict[int, set[str]] = {pk: set() for pk in ids}
    files = Attachment.objects.filter(algorithm_id__in=ids) | Attachment.objects.filter(
        provider_id__in=set(provider_of.values())
    )
    for algorithm_id, provider_id, slot in files.values_list("algorithm_id", "provider_id", "slot"):
        if algorithm_id in out:
            out[algorithm_id].add(slot)
        if provider_id:
            by_provider.setdefault(provider_id, set()).add(slot)
    for pk in ids:
        out[pk] |= by_provider.get(provider_of[pk], set())
    return out


def _fingerprint(snapshot: dict, slots: set[str]) -> str:
    from .snapshot import canonical_json

    return hashlib.sha256(
        canonical_json({"snapshot": snapshot, "slots": sorted(slots)})
    ).hexdigest()


def _overrides(snapshots: Iterable[dict], today: dt.date) -> Overrides:
    """The calendar's entries over every date the deadlines may count through."""
    first = last = today
    for document in snapshots:
        window = deadlines.events_window(document)
        if window:
            first, last = min(first, window[0]), max(last, window[1])
    return load_overrides(first, last + dt.timedelta(days=120))


def _change_statuses(workspace, algorithms: list[Algorithm], overrides: Overrides) -> dict:
    """changes.change_status of each algorithm, in a fixed number of queries
    (plus the clock of those due), as changes.change_statuses for a workspace."""
    from . import snapshot

    by_algorithm: dict[int, list[Filing]] = {}
    for filing in Filing.objects.filter(
        algorithm_id__in=[a.pk for a in algorithms], filed_version__isnull=False
    ):
        by_algorithm.setdefault(filing.algorithm_id, []).append(filing)
    holding = {pk: changes._in_force(filings) for pk, filings in by_algorithm.items()}
    holding = {pk: f for pk, f in holding.items() if f is not None}
    if not holding:
        return {}
    versions = SnapshotVersion.objects.in_bulk([f.filed_version_id for f in holding.values()])
    for filing in holding.values():
        filing.filed_version = versions[filing.filed_version_id]
    held = [a for a in algorithms if a.pk in holding]
    currents = snapshot.contents(workspace, held)
    out = {}
    for algorithm in held:
        status = changes._status(
            algorithm.pk, holding[algorithm.pk], currents[algorithm.pk], overrides
        )
        if status is not None:
            out[algorithm.pk] = status
    return out


# ---------------------------------------------------------------------------
# Computing
# ---------------------------------------------------------------------------


def compute(
    workspace,
    algorithms: list[Algorithm],
    *,
    today: dt.date | None = None,
    catalogue=None,
    context: str | None = None,
    language: str | None = None,
    snapshots: dict[int, dict] | None = None,
    slots: dict[int, set[str]] | None = None,
    read_only: bool = False,
) -> dict[int, AlgorithmFigures]:
    """The figures of some algorithms of one workspace, unsaved, by pk; the checks
    as the wizard's 检查 step runs them (the algorithm's snapshot, its files,
    the workspace's other disclosures, the registry and the catalogue).
    Messages are in `language` (else the active one). `read_only` (a page
    showing figures not stored yet) leaves out the checks that need the
    self-assessment catalogue: reading it may load it, and a GET never writes."""
    from .applicability import catalogue_rules as check_catalogue
    from .checks import DISCLOSURE_ROWS
    from .services import registry_lookup

    if not algorithms:
        return {}
    today = today or timezone.localdate()
    if read_only:
        catalogue, context = None, ""
    else:
        catalogue = catalogue if catalogue is not None else check_catalogue()
        context = context if context is not None else context_key(catalogue)
    if snapshots is None:
        snapshots = interchange.algorithm_snapshots(workspace, {a.pk for a in algorithms})
    if slots is None:
        slots = _slots(algorithms)
    peers = [
        (pk, {"name": name, "disclosure": dict(zip(DISCLOSURE_ROWS, texts, strict=True))})
        for pk, name, *texts in Disclosure.objects.filter(workspace=workspace).values_list(
            "algorithm_id", "algorithm__name", *DISCLOSURE_ROWS
        )
    ]
    lookup = registry_lookup()
    overrides = _overrides(snapshots.values(), today)
    due_changes = _change_statuses(workspace, algorithms, overrides)
    out = {}
    with translation.override(language or translation.get_language()):
        for algorithm in algorithms:
            document = snapshots[algorithm.pk]
            data = document["providers"][0]["algorithms"][0]
            name = data.get("name") or ""
            files = {name: slots[algorithm.pk]}
            percent = next(iter(checks.completeness(document, files).values()), 0)
            problems = checks.run_checks(
                document,
                algorithm=name or None,
                registry_lookup=lookup,
                attachments=files,
                today=today,
                peers=[p for pk, p in peers if pk != algorithm.pk],
                catalogue=catalogue,
            )
            filings = data.get("filings") or []
            status = (filings[-1].get("status") or "") if filings else ""
            change = due_changes.get(algorithm.pk)
            upcoming = deadlines.next_deadline(
                data, overrides=overrides, changed_on=change.changed_on if change else None
            )
            errors = [p for p in problems if p.severity == checks.ERROR]
            deadline = upcoming.deadline if upcoming else None
            out[algorithm.pk] = AlgorithmFigures(
                algorithm=algorithm,
                workspace_id=algorithm.workspace_id,
                status=status,
                filing_numbers=" ".join(
                    f["filing_number"] for f in filings if f.get("filing_number")
                ),
                completeness=percent,
                errors=len(errors),
                warnings=len(problems) - len(errors),
                approval_errors=sum(p.blocks == "approval" for p in errors),
                deadline_kind=upcoming.kind if upcoming else "",
                deadline_event=upcoming.event if upcoming else None,
                deadline_due=deadline.due if deadline else None,
                deadline_fallback_years=list(deadline.fallback_years) if deadline else [],
                # A submitted change awaits the CAC's decision: nothing more to send.
                change_due=deadlines.change_filing_owed(upcoming),
                problems=[p.as_dict() for p in problems],
                fingerprint=_fingerprint(document, slots[algorithm.pk]),
                context=context,
                computed_on=today,
                dirty=False,
            )
    return out


# ---------------------------------------------------------------------------
# Storing
# ---------------------------------------------------------------------------


def refresh(algorithms: Iterable[Algorithm] | Iterable[int], *, force: bool = False) -> int:
    """Recompute and store the figures of these algorithms (or pks) whose inputs
    changed since they were stored (all of them with `force`); returns how many."""
    ids = {a if isinstance(a, int) else a.pk for a in algorithms}
    if not ids:
        return 0
    rows = list(Algorithm.objects.filter(pk__in=ids).select_related("workspace", "provider"))
    by_workspace: dict[int, list[Algorithm]] = {}
    for algorithm in rows:
        by_workspace.setdefault(algorithm.workspace_id, []).append(algorithm)
    from .applicability import catalogue_rules as check_catalogue

    today = timezone.localdate()
    catalogue = check_catalogue()
    context = context_key(catalogue)
    done = 0
    for group in by_workspace.values():
        done += _refresh_group(
            group, today=today, catalogue=catalogue, context=context, force=force
        )
    return done


def _refresh_group(
    group: list[Algorithm], *, today: dt.date, catalogue, context: str, force: bool
) -> int:
    workspace = group[0].workspace
    # Read before the data: a write committed after this point bumps the
    # generation, and our result, computed from older data, is not stored.
    stored = {
        f.algorithm_id: f
        for f in AlgorithmFigures.objects.filter(algorithm__in=group).only(
            "algorithm_id", "fingerprint", "context", "computed_on", "dirty", "generation"
        )
    }
    snapshots = interchange.algorithm_snapshots(workspace, {a.pk for a in group})
    slots = _slots(group)
    stale, clean = [], []
    for algorithm in group:
        row = stored.get(algorithm.pk)
        if (
            force
            or row is None
            or row.fingerprint != _fingerprint(snapshots[algorithm.pk], slots[algorithm.pk])
            or row.context != context
            or row.computed_on != today
        ):
            stale.append(algorithm)
        elif row.dirty:
            clean.append(row)  # written to, but to the same data (a value saved twice)
    for row in clean:
        AlgorithmFigures.objects.filter(pk=row.pk, generation=row.generation).update(dirty=False)
    figures = compute(
        workspace,
        stale,
        today=today,
        catalogue=catalogue,
        context=context,
        language=settings.LANGUAGE_CODE,
        snapshots=snapshots,
        slots=slots,
    )
    new = [f for pk, f in figures.items() if pk not in stored]
    AlgorithmFigures.objects.bulk_create(new, batch_size=200, ignore_conflicts=True)
    for pk, f in figures.items():
        if pk in stored:
            AlgorithmFigures.objects.filter(pk=pk, generation=stored[pk].generation).update(
                **{name: getattr(f, name) for name in _FIELDS}, updated_at=timezone.now()
            )
    return len(figures)


def stale_ids(*, limit: int | None = None) -> list[int]:
    """Algorithms whose stored figures are missing, dirty, of another context or of
    an earlier day: what the beat task recomputes."""
    from django.db.models import Q

    today = timezone.localdate()
    context = context_key()
    query = Algorithm.objects.filter(
        Q(figures__isnull=True)
        | Q(figures__dirty=True)
        | Q(figures__computed_on__lt=today)
        | Q(figures__computed_on__isnull=True)
        | ~Q(figures__context=context)
    ).order_by("workspace_id", "pk")
    ids = query.values_list("pk", flat=True)
    return list(ids[:limit] if limit else ids)


def stored(algorithm: Algorithm) -> AlgorithmFigures | None:
    """One algorithm's stored figures for a page, or None while they are being
    computed (a GET never computes and stores them)."""
    row = AlgorithmFigures.objects.filter(pk=algorithm.pk).defer("problems").first()
    return row if row is not None and row.computed_on is not None else None


# ---------------------------------------------------------------------------
# Reading back
# ---------------------------------------------------------------------------


def next_deadline(figures: AlgorithmFigures) -> NextDeadline | None:
    """The stored next deadline as filings.deadlines.next_deadline gave it."""
    if not figures.deadline_kind:
        return None
    deadline: Deadline | None = None
    if figures.deadline_due is not None:
        deadline = deadline_on(figures.deadline_due, figures.deadline_fallback_years or ())
    return NextDeadline(
        KIND_LABELS.get(figures.deadline_kind, figures.deadline_kind),
        figures.deadline_event,
        deadline,
        figures.deadline_kind,
    )


def workspace_problems(workspace, *, name: str | None = None, fresh: bool = False):
    """(outline, problems) of a workspace's algorithms (or those named `name`),
    as `check_filing` lists them: each algorithm's stored problems, computed
    now where they are missing or out of date (or all of them, stored, with
    `fresh`), their pointers turned into pointers of the workspace document
    (export_workspace) and those of a shared provider or product listed once.
    `outline` holds the names along those pointers. Raises LookupError when no
    algorithm has that name."""
    from .models import Provider, Service

    providers = list(Provider.objects.filter(workspace=workspace).order_by("pk"))
    algorithms = list(
        Algorithm.objects.filter(workspace=workspace)
        .select_related("workspace")
        .order_by("provider_id", "pk")
    )
    outline: dict = {"providers": []}
    place: dict[int, tuple[int, int]] = {}
    for i, provider in enumerate(providers):
        own = [a for a in algorithms if a.provider_id == provider.pk]
        place.update({a.pk: (i, k) for k, a in enumerate(own)})
        outline["providers"].append(
            {
                "name": provider.name,
                "services": [
                    {"name": n}
                    for n in Service.objects.filter(provider=provider)
                    .order_by("pk")
                    .values_list("name", flat=True)
                ],
                "algorithms": [{"name": a.name} for a in own],
            }
        )
    chosen = [a for a in algorithms if name is None or a.name == name]
    if not chosen:
        raise LookupError(name)
    if fresh:
        refresh(chosen, force=True)
    rows = {f.pk: f for f in AlgorithmFigures.objects.filter(pk__in=[a.pk for a in chosen])}
    today, context = timezone.localdate(), context_key()
    stale = [
        a
        for a in chosen
        if a.pk not in rows
        or rows[a.pk].dirty
        or rows[a.pk].computed_on != today
        or rows[a.pk].context != context
    ]
    rows.update(compute(workspace, stale, today=today, context=context))
    seen, problems = set(), []
    for algorithm in chosen:
        i, k = place[algorithm.pk]
        for p in rows[algorithm.pk].problems:
            pointer = _in_workspace(p["pointer"], i, k)
            key = (p["code"], pointer, p["message"])
            if key not in seen:
                seen.add(key)
                problems.append(checks.Problem(**{**p, "pointer": pointer}))
    problems.sort(key=lambda p: (checks._order_key(p.pointer), p.severity != checks.ERROR))
    return outline, problems


def _in_workspace(pointer: str, i: int, k: int) -> str:
    """A pointer into one algorithm's snapshot (its provider the first, itself the
    provider's first algorithm) as a pointer into the workspace document."""
    if not pointer.startswith("/providers/0"):
        return pointer
    rest = pointer[len("/providers/0") :]
    if rest == "/algorithms/0" or rest.startswith("/algorithms/0/"):
        rest = f"/algorithms/{k}" + rest[len("/algorithms/0") :]
    return f"/providers/{i}{rest}"


def due_soon_until(today: dt.date, *, overrides: Overrides | None = None) -> dt.date:
    """The last due date that is "due soon" today (workdays.deadlines.deadline_status):
    SUANBEI_DUE_SOON_WORKDAYS working days ahead, and never fewer calendar days."""
    from workdays.calendar import add_workdays

    threshold = settings.SUANBEI_DUE_SOON_WORKDAYS
    counted = add_workdays(today, threshold, overrides=overrides).due
    return max(counted, today + dt.timedelta(days=threshold))


def urgency(due: dt.date | None, today: dt.date, soon_until: dt.date) -> str | None:
    """deadline_status of a due date, with the "due soon" limit worked out once per page."""
    if due is None:
        return None
    if today > due:
        return "overdue"
    return "due_soon" if due <= soon_until else "ok"


# ---------------------------------------------------------------------------
# Keeping them current
# ---------------------------------------------------------------------------


class _Pending:
    """The algorithms one transaction touched, recomputed once after it commits.

    Each write registers a trigger of its own (`_Trigger`) on the transaction:
    the first to run recomputes every algorithm touched, the others find
    nothing left. (One shared callback could sit outside a test's
    captureOnCommitCallbacks block and never run there.)"""

    def __init__(self) -> None:
        self.ids: set[int] = set()
        self.marked: set[int] = set()

    def run(self) -> None:
        todo, self.ids, self.marked = self.ids, set(), set()
        if not todo:
            return
        try:
            if len(todo) > INLINE_MAX:
                from .tasks import refresh_figures

                # They stay marked dirty (pages say "being updated") until the worker is done.
                refresh_figures.delay(sorted(todo))
            else:
                refresh(todo)
        except Exception:  # noqa: BLE001 - the change is committed; the beat task retries
            logger.exception("figures of algorithms %s not refreshed", sorted(todo))


class _Trigger:
    def __init__(self, pending: _Pending) -> None:
        self.pending = pending
        self.done = False

    def __call__(self) -> None:
        self.done = True
        self.pending.run()


def _pending() -> _Pending:
    """The current transaction's pending algorithms, with one more trigger registered."""
    connection = transaction.get_connection()
    pending = next(
        (
            entry[1].pending
            for entry in connection.run_on_commit
            if isinstance(entry[1], _Trigger) and not entry[1].done
        ),
        None,
    )
    pending = pending or _Pending()
    transaction.on_commit(_Trigger(pending))
    return pending


def touched(ids: set[int], *, deleting: bool = False) -> None:
    """Mark these algorithms' figures dirty now, in the writer's transaction, and
    recompute them after it commits. While something is being deleted no row
    is created (it could hang on the algorithm being deleted)."""
    ids = set(ids)
    if not ids:
        return
    connection = transaction.get_connection()
    pending = _pending() if connection.in_atomic_block else _Pending()
    new = ids - pending.marked
    if new:
        _mark(new, create=not deleting)
        pending.marked |= new
    pending.ids |= ids
    if not connection.in_atomic_block:
        pending.run()


def _mark(ids: set[int], *, create: bool) -> None:
    from django.db.models import F

    updated = AlgorithmFigures.objects.filter(pk__in=ids).update(
        dirty=True, generation=F("generation") + 1
    )
    if create and updated < len(ids):
        # A new algorithm: a placeholder row, so that its first figures are
        # stored under the same rule (pages show it as being updated).
        present = set(AlgorithmFigures.objects.filter(pk__in=ids).values_list("pk", flat=True))
        workspace_of = dict(
            Algorithm.objects.filter(pk__in=ids - present).values_list("pk", "workspace_id")
        )
        AlgorithmFigures.objects.bulk_create(
            [
                AlgorithmFigures(
                    algorithm_id=pk, workspace_id=workspace_id, dirty=True, generation=1
                )
                for pk, workspace_id in workspace_of.items()
            ],
            ignore_conflicts=True,
        )


def _filing_changed(sender, instance, **kwargs) -> None:
    """A filing saved or deleted: its status and dates are in the figures, not in
    the versioned content (the content's writes reach touched() through
    filings.versions)."""
    if kwargs.get("raw"):
        return  # loading fixtures
    touched({instance.algorithm_id}, deleting=kwargs.get("signal") is post_delete)


def connect() -> None:
    post_save.connect(_filing_changed, sender=Filing, dispatch_uid="figures-save-filing")
    post_delete.connect(_filing_changed, sender=Filing, dispatch_uid="figures-delete-filing")
