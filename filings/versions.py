"""Versions of each algorithm's filing data, diffs between them, and the
guarantee that no path changes approved content silently.

Every write to the data of a filing (a form, an autosave, an import, an
assessment answer, an attachment, the admin) saves a model; the receivers
below note which algorithms it touches, and after the transaction commits
each of them is snapshotted once. A new digest means a new version; if the
algorithm's filing was approved from another digest, the approval is
withdrawn and the activity feed says what changed.

Signals are the exception to our rule of explicit calls here, on purpose:
the guarantee has to hold for every path, including ones added later.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.db import OperationalError, transaction
from django.db.models import OuterRef, Subquery
from django.db.models.signals import post_delete, post_save

from . import snapshot
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


def record(algorithm: Algorithm, *, by=None, data: dict | None = None) -> SnapshotVersion:
    """The current version of the algorithm's data, recorded when it is new."""
    data = content(algorithm) if data is None else data
    value = digest(data)
    latest = SnapshotVersion.objects.filter(algorithm=algorithm).order_by("-pk").first()
    if latest is not None and latest.digest == value:
        return latest
    return SnapshotVersion.objects.create(
        workspace_id=algorithm.workspace_id,
        algorithm=algorithm,
        digest=value,
        data=data,
        created_by=by,
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


def _escape(part) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def _walk(before: Any, after: Any, pointer: str, out: list[Change]) -> None:
    if isinstance(before, dict) and isinstance(after, dict):
        for key in list(before) + [k for k in after if k not in before]:
            _walk(before.get(key), after.get(key), f"{pointer}/{_escape(key)}", out)
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
        out.append(Change(f"/attachments/{_escape(key[0])}", files_before[key], None))
    for key in files_after.keys() - files_before.keys():
        out.append(Change(f"/attachments/{_escape(key[0])}", None, files_after[key]))
    return out


# ---------------------------------------------------------------------------
# Approval: freeze, and withdraw on any change
# ---------------------------------------------------------------------------


def freeze(filing: Filing, *, by=None) -> SnapshotVersion:
    """The version an approval (or a filing) stands for."""
    return record(filing.algorithm, by=by)


def _actor():
    from simple_history.models import HistoricalRecords

    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def check_algorithm(algorithm: Algorithm, *, by=None, data: dict | None = None) -> SnapshotVersion:
    """Record the current version; withdraw an approval it no longer matches."""
    version = record(algorithm, by=by, data=data)
    filing = algorithm.filings.order_by("-created_at", "-pk").first()
    _withdraw_if_stale(algorithm, filing, version, by)
    return version


def check_algorithms(workspace, algorithms: list[Algorithm], *, by=None) -> None:
    """check_algorithm for many algorithms of one workspace, in a fixed number of queries
    (plus one update per withdrawn approval)."""
    datas = contents(workspace, algorithms)
    ids = [a.pk for a in algorithms]
    latest_digest = dict(
        Algorithm.objects.filter(pk__in=ids)
        .annotate(
            latest=Subquery(
                SnapshotVersion.objects.filter(algorithm=OuterRef("pk"))
                .order_by("-pk")
                .values("digest")[:1]
            )
        )
        .values_list("pk", "latest")
    )
    new = []
    for algorithm in algorithms:
        value = digest(datas[algorithm.pk])
        if value != latest_digest.get(algorithm.pk):
            new.append(
                SnapshotVersion(
                    workspace_id=algorithm.workspace_id,
                    algorithm=algorithm,
                    digest=value,
                    data=datas[algorithm.pk],
                    created_by=by,
                )
            )
    SnapshotVersion.objects.bulk_create(new)
    changed = {v.algorithm_id: v for v in new}
    if not changed:
        return
    latest_filing: dict[int, Filing] = {}
    for filing in (
        Filing.objects.filter(algorithm_id__in=changed)
        .select_related("approved_version")
        .order_by("created_at", "pk")
    ):
        latest_filing[filing.algorithm_id] = filing
    for algorithm in algorithms:
        if algorithm.pk in changed:
            _withdraw_if_stale(
                algorithm, latest_filing.get(algorithm.pk), changed[algorithm.pk], by
            )


def _withdraw_if_stale(
    algorithm: Algorithm, filing: Filing | None, version: SnapshotVersion, by
) -> None:
    if (
        filing is None
        or filing.status != FilingStatus.APPROVED
        or filing.approved_version_id is None
    ):
        return
    if filing.approved_version.digest == version.digest:
        return
    changes = diff(filing.approved_version.data, version.data)
    with transaction.atomic():
        locked = Filing.objects.select_for_update().get(pk=filing.pk)
        if locked.status != FilingStatus.APPROVED:
            return
        locked.status = FilingStatus.DRAFT
        locked.save(update_fields=["status", "updated_at"])
        # Codes only: the feed and the mails name the fields in each reader's
        # language (reviews.feed).
        Activity.objects.create(
            workspace_id=algorithm.workspace_id,
            algorithm=algorithm,
            filing=locked,
            actor=by,
            verb=Activity.Verb.APPROVAL_WITHDRAWN,
            data={
                "pointers": [c.pointer for c in changes[:50]],
                "count": len(changes),
                "version": version.pk,
                "approved_version": filing.approved_version_id,
            },
        )


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
    from assessments.models import Answer, Assessment, Risk

    if isinstance(instance, Assessment):
        return {instance.algorithm_id}
    if isinstance(instance, Answer | Risk):
        return set(
            Assessment.objects.filter(pk=instance.assessment_id).values_list(
                "algorithm_id", flat=True
            )
        )
    return set()


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
            Algorithm.objects.filter(pk__in=self.ids).select_related("provider", "workspace")
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


def _changed(sender, instance, **kwargs) -> None:
    if kwargs.get("raw"):
        return  # loading fixtures
    try:
        ids = _affected(instance)
    except Exception:  # noqa: BLE001 - a half-deleted parent: nothing left to version
        return
    if not ids:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        batch = _Batch()
        batch.ids, batch.by = ids, _actor()
        batch()
        return
    batch = _batch()
    batch.ids |= ids
    batch.by = batch.by or _actor()


def connect() -> None:
    from assessments.models import Answer, Assessment, Risk

    for model in (
        Provider,
        ManagementSystem,
        Service,
        Algorithm,
        Deployment,
        ThirdPartyModel,
        Disclosure,
        Attachment,
        Assessment,
        Answer,
        Risk,
    ):
        post_save.connect(_changed, sender=model, dispatch_uid=f"versions-save-{model._meta.label}")
        post_delete.connect(
            _changed, sender=model, dispatch_uid=f"versions-delete-{model._meta.label}"
        )
