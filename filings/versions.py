"""Versions of each algorithm's filing data, diffs between them, and the
guarantee that no path changes approved content silently.

Every write to the data of a filing (a form, an autosave, an import, an
assessment answer, an attachment, the admin) saves a model; the receivers
below note which algorithms it touches, and after the transaction commits
each of them is snapshotted once. A new digest is a new version of the
content; if the algorithm's filing was approved from another digest, the
approval is withdrawn and the activity feed says what changed.

One history, recorded where it means something:

- Edits make "editing" versions, one per person and editing burst: while the
  newest version of the algorithm is that person's editing version, younger
  than settings.SUANBEI_VERSION_BURST_SECONDS, a new digest updates it in
  place instead of adding a row (five autosaves of one field: one version).
- Every step of the review and the filing pins the content it stood on
  (`reason`): review requested, each decision, approval, submission, return,
  filing number, change filing started, an approval withdrawn, a document
  generated. A pinned version is never rewritten, and approvals, filings,
  decisions and document jobs point to pinned versions only.
- Digests decide: the same content is never recorded twice in a row, and an
  approval stands exactly as long as the content's digest is the approved one.

Signals are the exception to our rule of explicit calls here, on purpose:
the guarantee has to hold for every path, including ones added later.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import OperationalError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from . import pointers, snapshot
from .choices import FilingStatus
from .models import (
    Activity,
    Algorithm,
    Attachment,
    Deployment,
    Disclosure,
    Filing,
    ManagementSystem,
    Provider,
    Service,
    SnapshotVersion,
    ThirdPartyModel,
)

# ---------------------------------------------------------------------------
# Content and digest: filings.snapshot is the one place; the same functions
# are named here for the callers that think in versions.
# ---------------------------------------------------------------------------

content = snapshot.content
contents = snapshot.contents
digest = snapshot.digest


Reason = SnapshotVersion.Reason


def record(
    algorithm: Algorithm,
    *,
    by=None,
    data: dict | None = None,
    reason: str = Reason.EDITING,
) -> SnapshotVersion:
    """The version of the algorithm's data as it is now (`data`, when the
    caller computed it): the newest version when it has this digest, else
    the editing version of the burst updated, else a new version. Any
    `reason` but editing pins the version returned."""
    data = content(algorithm) if data is None else data
    latest = (
        SnapshotVersion.objects.filter(algorithm=algorithm).defer("data").order_by("-pk").first()
    )
    return _record(algorithm, latest, data, by=by, reason=reason)


def _record(
    algorithm: Algorithm, latest: SnapshotVersion | None, data: dict, *, by, reason: str
) -> SnapshotVersion:
    value = digest(data)
    if latest is not None and latest.digest == value:
        latest.data = data  # the same content: no need to read it back
        if reason != Reason.EDITING and not latest.pinned:
            return pin(latest, reason, data=data)
        return latest
    if reason == Reason.EDITING and _in_burst(latest, by) and not _held(latest):
        now = timezone.now()
        # Conditional: a version pinned meanwhile is never rewritten.
        if SnapshotVersion.objects.filter(
            pk=latest.pk, reason=Reason.EDITING, digest=latest.digest
        ).update(data=data, digest=value, updated_at=now):
            latest.data, latest.digest, latest.updated_at = data, value, now
            return latest
    return SnapshotVersion.objects.create(
        workspace_id=algorithm.workspace_id,
        algorithm=algorithm,
        digest=value,
        data=data,
        created_by=by,
        reason=reason,
    )


def _in_burst(latest: SnapshotVersion | None, by) -> bool:
    """Whether an edit by `by` now still belongs to the editing version `latest`."""
    window = settings.SUANBEI_VERSION_BURST_SECONDS
    return (
        latest is not None
        and window > 0
        and not latest.pinned
        and latest.created_by_id == getattr(by, "pk", None)
        and latest.created_at > timezone.now() - dt.timedelta(seconds=window)
    )


def _held(version: SnapshotVersion) -> bool:
    """Whether a filing's approval or filed data points to `version`: then it
    stays as it is even if it was not pinned (a row written around
    lifecycle.apply_transition, e.g. by a test or the shell)."""
    held = getattr(version, "held", None)
    if held is None:
        held = Filing.objects.filter(
            Q(approved_version=version.pk) | Q(filed_version=version.pk)
        ).exists()
    return held


def pin(version: SnapshotVersion, reason: str, *, data: dict | None = None) -> SnapshotVersion:
    """Pin `version` (an approval, a filing, a decision or a document is about
    to point to it) so that no edit rewrites it. Should an edit have rewritten
    it meanwhile, the content it had (`data`) is recorded as a new pinned
    version, which is returned."""
    if version.pinned:
        return version
    if SnapshotVersion.objects.filter(
        pk=version.pk, reason=Reason.EDITING, digest=version.digest
    ).update(reason=reason):
        version.reason = reason
        return version
    current = SnapshotVersion.objects.filter(pk=version.pk).defer("data").first()
    if current is not None and current.digest == version.digest:
        return current  # pinned by someone else meanwhile
    if data is None:
        raise ValueError(f"version {version.pk} changed before it could be pinned")
    return SnapshotVersion.objects.create(
        workspace_id=version.workspace_id,
        algorithm_id=version.algorithm_id,
        digest=version.digest,
        data=data,
        created_by_id=version.created_by_id,
        reason=reason,
    )


# ---------------------------------------------------------------------------
# Diffs
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    pointer: str
    before: Any
    after: Any

    @property
    def kind(self) -> str:
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "changed"


def _walk(before: Any, after: Any, pointer: str, out: list[Change]) -> None:
    if isinstance(before, dict) and isinstance(after, dict):
        for key in list(before) + [k for k in after if k not in before]:
            _walk(before.get(key), after.get(key), f"{pointer}/{pointers.escape(key)}", out)
        return
    if isinstance(before, list) and isinstance(after, list):
        objects = any(isinstance(v, dict) for v in before + after)
        if objects:
            for i in range(max(len(before), len(after))):
                _walk(
                    before[i] if i < len(before) else None,
                    after[i] if i < len(after) else None,
                    f"{pointer}/{i}",
                    out,
                )
            return
    if before != after:
        out.append(Change(pointer, before, after))


def diff(before: dict, after: dict) -> list[Change]:
    """Field-level differences between two version datas, by JSON Pointer.

    Lists of objects (functions, models, answers) are compared item by item,
    lists of codes or texts (modalities, access paths) as one value, and
    attachments as a set of files.
    """
    out: list[Change] = []
    _walk(before.get("snapshot", {}), after.get("snapshot", {}), "/snapshot", out)
    files_before = {(a["slot"], a["name"], a["sha256"]): a for a in before.get("attachments", [])}
    files_after = {(a["slot"], a["name"], a["sha256"]): a for a in after.get("attachments", [])}
    for key in files_before.keys() - files_after.keys():
        out.append(Change(f"/attachments/{pointers.escape(key[0])}", files_before[key], None))
    for key in files_after.keys() - files_before.keys():
        out.append(Change(f"/attachments/{pointers.escape(key[0])}", None, files_after[key]))
    return out


# ---------------------------------------------------------------------------
# After a change: record it, and withdraw an approval it no longer matches
# ---------------------------------------------------------------------------


def _actor():
    from simple_history.models import HistoricalRecords

    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


# What check_algorithms needs to know of each algorithm besides its content,
# read in the same query as the algorithm: its newest version (without the
# data) and its latest filing's status and approved digest.
_NEWEST = ("pk", "digest", "reason", "created_by_id", "created_at")


def with_history(algorithms: QuerySet[Algorithm]) -> QuerySet[Algorithm]:
    """`algorithms` annotated for check_algorithms."""
    newest = SnapshotVersion.objects.filter(algorithm=OuterRef("pk")).order_by("-pk")
    filing = Filing.objects.filter(algorithm=OuterRef("pk")).order_by("-created_at", "-pk")
    return algorithms.annotate(
        **{f"newest_{name}": Subquery(newest.values(name)[:1]) for name in _NEWEST},
        filing_status=Subquery(filing.values("status")[:1]),
        approved_digest=Subquery(filing.values("approved_version__digest")[:1]),
    ).annotate(
        newest_held=Exists(
            Filing.objects.filter(
                Q(approved_version=OuterRef("newest_pk")) | Q(filed_version=OuterRef("newest_pk"))
            )
        )
    )


def _newest(algorithm: Algorithm) -> SnapshotVersion | None:
    if algorithm.newest_pk is None:
        return None
    version = SnapshotVersion(
        workspace_id=algorithm.workspace_id,
        algorithm_id=algorithm.pk,
        **{name: getattr(algorithm, f"newest_{name}") for name in _NEWEST},
    )
    version.held = algorithm.newest_held
    return version


def check_algorithm(
    algorithm: Algorithm, *, by=None, reason: str = Reason.EDITING
) -> SnapshotVersion:
    """Record the current version (pinned for any `reason` but editing) and
    withdraw an approval it no longer matches."""
    annotated = with_history(
        Algorithm.objects.filter(pk=algorithm.pk).select_related("workspace")
    ).get()
    return check_algorithms(annotated.workspace, [annotated], by=by, reason=reason)[algorithm.pk]


def check_algorithms(
    workspace, algorithms: list[Algorithm], *, by=None, reason: str = Reason.EDITING
) -> dict[int, SnapshotVersion]:
    """check_algorithm for many algorithms of one workspace (annotated by
    with_history): the content of all of them in a fixed number of queries,
    then one write per algorithm whose content changed (plus two per
    withdrawn approval). Returns each algorithm's version."""
    datas = contents(workspace, algorithms)
    out = {}
    # The writes in one transaction: after a commit (filings.versions._Batch) each
    # would otherwise be a commit of its own, a disk flush each on PostgreSQL.
    # Inside a transaction already, they simply join it.
    with transaction.atomic(savepoint=False):
        for algorithm in algorithms:
            data = datas[algorithm.pk]
            version = _record(algorithm, _newest(algorithm), data, by=by, reason=reason)
            out[algorithm.pk] = version
            if (
                algorithm.filing_status == FilingStatus.APPROVED
                and algorithm.approved_digest is not None
                and algorithm.approved_digest != version.digest
            ):
                out[algorithm.pk] = _withdraw(algorithm, version, data, by)
    return out


def _withdraw(algorithm: Algorithm, version: SnapshotVersion, data: dict, by) -> SnapshotVersion:
    """The content (`data`, of `version`) is no longer the approved one: the
    approval goes, and the version that made it go is pinned (the activity
    names it). Returns that version."""
    with transaction.atomic():
        filing = (
            Filing.objects.select_for_update(of=("self",))
            .filter(algorithm=algorithm)
            .select_related("approved_version")
            .order_by("-created_at", "-pk")
            .first()
        )
        if (
            filing is None
            or filing.status != FilingStatus.APPROVED
            or filing.approved_version_id is None
            or filing.approved_version.digest == version.digest
        ):
            return version
        version = pin(version, Reason.APPROVAL_WITHDRAWN, data=data)
        changes = diff(filing.approved_version.data, data)
        filing.status = FilingStatus.DRAFT
        filing.save(update_fields=["status", "updated_at"])
        # Codes only: the feed and the mails name the fields in each reader's
        # language (reviews.feed).
        Activity.objects.create(
            workspace_id=algorithm.workspace_id,
            algorithm=algorithm,
            filing=filing,
            actor=by,
            verb=Activity.Verb.APPROVAL_WITHDRAWN,
            data={
                "pointers": [c.pointer for c in changes[:50]],
                "count": len(changes),
                "version": version.pk,
                "approved_version": filing.approved_version_id,
            },
        )
    return version


def _affected(instance) -> set[int]:
    if isinstance(instance, Algorithm):
        return {instance.pk}
    if isinstance(instance, Provider | ManagementSystem):
        provider_id = instance.pk if isinstance(instance, Provider) else instance.provider_id
        return set(Algorithm.objects.filter(provider_id=provider_id).values_list("pk", flat=True))
    if isinstance(instance, Service):
        return set(
            Deployment.objects.filter(service_id=instance.pk).values_list("algorithm_id", flat=True)
        )
    if isinstance(instance, Deployment | ThirdPartyModel | Disclosure):
        return {instance.algorithm_id}
    if isinstance(instance, Attachment):
        if instance.algorithm_id:
            return {instance.algorithm_id}
        return set(
            Algorithm.objects.filter(provider_id=instance.provider_id).values_list("pk", flat=True)
        )
    algorithms_of = TRACKED.get(type(instance))
    return algorithms_of(instance) if algorithms_of is not None else set()


class _Batch:
    """The algorithms touched in one transaction, versioned once after it commits.

    It is registered as the transaction's on-commit callback and found again
    there, so a rolled-back transaction takes its batch with it.
    """

    def __init__(self) -> None:
        self.ids: set[int] = set()
        self.by = None
        self.done = False

    def __call__(self) -> None:
        # After the commit: another writer may hold SQLite's lock for a moment.
        for attempt in range(5):
            try:
                self._check()
                return
            except OperationalError:
                if attempt == 4:
                    raise
                time.sleep(0.2 * (attempt + 1))

    def _check(self) -> None:
        self.done = True
        algorithms = list(
            with_history(Algorithm.objects.filter(pk__in=self.ids).select_related("workspace"))
        )
        by_workspace: dict[int, list[Algorithm]] = {}
        for algorithm in algorithms:
            by_workspace.setdefault(algorithm.workspace_id, []).append(algorithm)
        for group in by_workspace.values():
            check_algorithms(group[0].workspace, group, by=self.by)


def _batch() -> _Batch:
    connection = transaction.get_connection()
    for entry in connection.run_on_commit:
        if isinstance(entry[1], _Batch) and not entry[1].done:
            return entry[1]
    batch = _Batch()
    transaction.on_commit(batch)  # runs at once outside a transaction, when filled below
    return batch


def touched(ids: set[int], *, deleting: bool = False) -> None:
    """Version these algorithms once the transaction commits (at once outside
    one), and mark their stored figures: what every save or delete of their
    data does through the signals below. Called directly by writes that send
    no signal (bulk_create: the import)."""
    if not ids:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        batch = _Batch()
        batch.ids, batch.by = set(ids), _actor()
        batch()
    else:
        batch = _batch()
        batch.ids |= ids
        batch.by = batch.by or _actor()
    # The stored figures follow the same writes, recomputed after the versions.
    from . import figures

    figures.touched(ids, deleting=deleting)


def _changed(sender, instance, **kwargs) -> None:
    if kwargs.get("raw"):
        return  # loading fixtures
    try:
        ids = _affected(instance)
    except Exception:  # noqa: BLE001 - a half-deleted parent: nothing left to version
        return
    touched(ids, deleting=kwargs.get("signal") is post_delete)


# Models of apps above filings whose rows are content (the self-assessment's),
# with the algorithms a row belongs to: registered by their app (track()).
TRACKED: dict[type, Callable[[Any], set[int]]] = {}


def _connect(model) -> None:
    post_save.connect(_changed, sender=model, dispatch_uid=f"versions-save-{model._meta.label}")
    post_delete.connect(_changed, sender=model, dispatch_uid=f"versions-delete-{model._meta.label}")


def connect() -> None:
    for model in (
        Provider,
        ManagementSystem,
        Service,
        Algorithm,
        Deployment,
        ThirdPartyModel,
        Disclosure,
        Attachment,
    ):
        _connect(model)


def track(model, algorithms_of: Callable[[Any], set[int]]) -> None:
    """Version the algorithms a saved or deleted `model` row belongs to
    (`algorithms_of(row)` gives their ids), as filings' own content models are."""
    TRACKED[model] = algorithms_of
    _connect(model)
