"""Document jobs: request, enqueue, claim, run, recover, clean up.

The lifecycle of a job:

    queued ──claim──► rendering ──► done
       ▲                  │  └────► failed (render error, timeout, too many attempts)
       └── release ◄──────┘  (transient error before a retry; a crashed worker)

Every transition is a conditional UPDATE on the current status (and, once
claimed, on the claimant), so two workers, a retry and the periodic
recovery can never both move the same job.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import socket
import tempfile
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import InterfaceError, transaction
from django.db import OperationalError as DatabaseError
from django.db.models import F, Max, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from filings import pii, versions
from filings.models import Algorithm, Attachment
from filings.snapshot import current as current_content
from filings.snapshot import digest as content_digest
from filings.snapshot import lifecycle as lifecycle_of

from .gather import gather
from .models import DocumentJob, DocumentText, JobError, JobStatus
from .package import gather_materials

logger = logging.getLogger(__name__)


def stale_after() -> dt.timedelta:
    """How long a job may stay "rendering" before it counts as lost: the hard
    time limit of every task (SUANBEI_TASK_TIME_LIMIT) would have stopped a
    live render before. The full package renders in one to two seconds."""
    return dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 30)


# A job "queued" this long may have lost its message (a worker killed after
# taking it from the filesystem broker); it is sent again.
RESEND_AFTER = dt.timedelta(minutes=2)
# Claims beyond this (retries and crashes together) fail the job for good.
MAX_ATTEMPTS = 5
# Superseded files are removed only this long after the newer one exists,
# so a download link a user just received keeps working for a while.
SUPERSEDED_GRACE = dt.timedelta(hours=1)
# Publishing gives up quickly when the broker is down: the user waits for
# an answer in the request.
PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
QUEUE_ERRORS = (BrokerError, OSError)
# Worth another try: the disk, the network, a locked or lost database connection.
TRANSIENT_ERRORS = (OSError, DatabaseError, InterfaceError)


@dataclass(frozen=True)
class Prepared:
    """What rendering needs, for the command line (the worker reads it from the job).

    `snapshot` is the content's snapshot (filings.snapshot), `snapshot_hash`
    the content's digest, which the context carries to the pages."""

    snapshot: dict
    snapshot_hash: str
    context: dict
    attachments: list = dataclasses.field(default_factory=list)

    def fetcher(self, workspace_id: int):
        """A fetcher that serves this content's uploaded images (documents.render)."""
        from .render import make_fetcher

        return make_fetcher(attachment_reader(workspace_id, self.attachments))


def version_for(algorithm: Algorithm, digest: str) -> int:
    """The document version of a snapshot: 1 for the first data rendered, one
    more for each new snapshot after it; the same snapshot keeps its number."""
    earlier = (
        DocumentJob.objects.filter(algorithm=algorithm, snapshot_hash=digest)
        .order_by("pk")
        .values_list("version", flat=True)
        .first()
    )
    if earlier is not None:
        return earlier
    latest = DocumentJob.objects.filter(algorithm=algorithm).aggregate(v=Max("version"))["v"]
    return (latest or 0) + 1


def render_context(
    snapshot: dict,
    *,
    version: int,
    bilingual: bool,
    digest: str,
    lifecycle: dict,
    attachments: list[dict] | None = None,
    supplements: dict | None = None,
    masked: bool = False,
) -> dict:
    """What the pages print beside the snapshot: the catalogue texts (gather), the
    document version, the content's digest and the filing's lifecycle; the
    version's attachments (slot, name, SHA-256, item), the materials the filing
    needs (documents.package), the workspace's wording of the letters, and
    whether the personal numbers are masked (a review copy)."""
    return {
        **gather(snapshot),
        "version": version,
        "bilingual": bilingual,
        "digest": digest,
        "lifecycle": lifecycle,
        "attachments": list(attachments or []),
        "materials": gather_materials(snapshot, (lifecycle or {}).get("kind")),
        "texts": dict((supplements or {}).get("texts") or {}),
        "formalities": list((supplements or {}).get("formalities") or []),
        "masked": masked,
    }


def current_supplements(algorithm: Algorithm) -> dict:
    """What a document of `algorithm` prints beyond its content, now (DocumentJob.supplements)."""
    from filings import snapshot as snapshot_module

    formalities = getattr(snapshot_module, "formalities", None)
    return {
        "texts": current_texts(algorithm.workspace_id),
        "formalities": formalities(algorithm) if formalities else [],
    }


def current_texts(workspace_id: int) -> dict[str, str]:
    """The workspace's own wording of the letters (kind -> text); defaults are not listed."""
    return dict(DocumentText.objects.filter(workspace_id=workspace_id).values_list("kind", "text"))


def attachment_reader(workspace_id: int, attachments: list[dict]):
    """sha256 -> the bytes of that attachment, for the attachments a version lists only
    (and only of its workspace); anything else reads as None (documents.render)."""
    listed = {a.get("sha256") for a in attachments if a.get("sha256")}
    names = dict(
        Attachment.objects.filter(workspace_id=workspace_id, sha256__in=listed).values_list(
            "sha256", "file"
        )
    )
    limit = settings.ATTACHMENT_MAX_BYTES

    def read(sha256: str) -> bytes | None:
        name = names.get(sha256)
        if not name:
            return None
        try:
            with default_storage.open(name, "rb") as handle:
                body = handle.read(limit + 1)
        except (FileNotFoundError, OSError):
            return None
        return body if len(body) <= limit else None

    return read


def prepare(algorithm: Algorithm, *, bilingual: bool = False) -> Prepared:
    """Content and context of `algorithm` now, without a job (render_filing).
    Nothing is recorded: not a job, not a version."""
    data, digest = current_content(algorithm)
    snapshot = data["snapshot"]
    context = render_context(
        snapshot,
        version=version_for(algorithm, digest),
        bilingual=bilingual,
        digest=digest,
        lifecycle=lifecycle_of(algorithm, digest),
        attachments=data.get("attachments"),
        supplements=current_supplements(algorithm),
    )
    return Prepared(snapshot, digest, context, data.get("attachments") or [])


# ---------------------------------------------------------------------------
# Request and enqueue (web process)
# ---------------------------------------------------------------------------


def job_request(
    *, algorithm: Algorithm, document: str, user, bilingual: bool = False, masked: bool = False
) -> DocumentJob:
    """The job that produces `document` for the algorithm's data as it is now,
    with the personal numbers in full or `masked` (documents.access decides which).

    The content now is recorded as a version (this is a request that
    writes: the generate POST), which also withdraws an approval it no
    longer matches. The same content with the same lifecycle (draft or
    final, status, number) reuses the job already done (or under way) for
    it; otherwise a new job names the version and is enqueued after the
    transaction commits, so the worker always finds the row.
    """
    now = timezone.now()
    with transaction.atomic():
        # Pinned: the job prints this version, so no edit may rewrite it.
        version = versions.check_algorithm(algorithm, by=user, reason=versions.Reason.DOCUMENT)
        digest = version.digest
        lifecycle = lifecycle_of(algorithm, digest)
        supplements = current_supplements(algorithm)
        existing = next(
            (
                job
                for job in DocumentJob.objects.filter(
                    algorithm=algorithm,
                    document=document,
                    bilingual=bilingual,
                    masked=masked,
                    snapshot_hash=digest,
                    status__in=[JobStatus.QUEUED, JobStatus.RENDERING, JobStatus.DONE],
                    superseded_at__isnull=True,
                )
                .only("pk", "status", "queued_at", "lifecycle", "supplements")
                .order_by("-pk")
                if job.lifecycle == lifecycle and job.supplements == supplements
            ),
            None,
        )
        if existing is not None:
            if existing.status == JobStatus.QUEUED and (
                existing.queued_at is None or existing.queued_at < now - RESEND_AFTER
            ):
                # Waiting long: its message may be lost; another one is harmless.
                DocumentJob.objects.filter(pk=existing.pk, status=JobStatus.QUEUED).update(
                    queued_at=now
                )
                transaction.on_commit(partial(job_enqueue, existing.pk))
            return existing
        job = DocumentJob.objects.create(
            workspace_id=algorithm.workspace_id,
            algorithm=algorithm,
            document=document,
            bilingual=bilingual,
            masked=masked,
            snapshot_version=version,
            snapshot_hash=digest,
            lifecycle=lifecycle,
            supplements=supplements,
            version=version_for(algorithm, digest),
            created_by=user,
            queued_at=now,
        )
        transaction.on_commit(partial(job_enqueue, job.pk))
    return job


def job_enqueue(job_id: int) -> bool:
    """Send the job to the worker; with the broker down, fail it with a clear reason."""
    from .tasks import render_document

    try:
        render_document.apply_async((job_id,), retry=True, retry_policy=PUBLISH_RETRY_POLICY)
    except QUEUE_ERRORS as error:
        logger.warning("document job %s: cannot reach the task queue: %s", job_id, error)
        DocumentJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
            status=JobStatus.FAILED,
            error_code=JobError.QUEUE_UNAVAILABLE,
            error_detail=str(error)[:500],
            finished_at=timezone.now(),
        )
        return False
    return True


# ---------------------------------------------------------------------------
# Claim and run (worker process)
# ---------------------------------------------------------------------------


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claimant_is_gone(claimed_by: str) -> bool:
    """Whether the process that claimed a job is known to be dead: it ran on this host and its pid is gone."""
    host, _sep, pid = claimed_by.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def job_claim(job_id: int, *, worker: str, now: dt.datetime | None = None) -> DocumentJob | None:
    """Take the job for `worker`, or None when someone else has it (or it is finished)."""
    now = now or timezone.now()
    job = DocumentJob.objects.filter(pk=job_id).only("status", "claimed_by", "started_at").first()
    if job is None:
        return None
    if job.status == JobStatus.RENDERING and job.claimed_by and claimant_is_gone(job.claimed_by):
        # Its worker died mid-render (killed, out of memory): free the job.
        job_release(job_id, claimed_by=job.claimed_by)
    claimable = Q(status=JobStatus.QUEUED) | Q(
        status=JobStatus.RENDERING, started_at__lt=now - stale_after()
    )
    updated = DocumentJob.objects.filter(claimable, pk=job_id).update(
        status=JobStatus.RENDERING,
        claimed_by=worker,
        started_at=now,
        attempts=F("attempts") + 1,
    )
    if updated != 1:
        # Nothing changed: another worker has it, or it is done or failed.
        return None
    return DocumentJob.objects.get(pk=job_id)


def job_release(job_id: int, *, claimed_by: str) -> bool:
    """Back to the queue, only if still held by `claimed_by`."""
    return bool(
        DocumentJob.objects.filter(
            pk=job_id, status=JobStatus.RENDERING, claimed_by=claimed_by
        ).update(status=JobStatus.QUEUED, claimed_by="", queued_at=timezone.now())
    )


def job_fail(job_id: int, code: str, detail: str = "", *, claimed_by: str | None = None) -> bool:
    """Failed, unless it is already finished; `claimed_by` restricts it to the holder."""
    jobs = DocumentJob.objects.filter(pk=job_id, status__in=[JobStatus.QUEUED, JobStatus.RENDERING])
    if claimed_by is not None:
        jobs = jobs.filter(claimed_by=claimed_by)
    return bool(
        jobs.update(
            status=JobStatus.FAILED,
            error_code=code,
            error_detail=detail[:2000],
            finished_at=timezone.now(),
        )
    )


def store_file(name: str, data: bytes) -> None:
    """Write `data` under `name` so that the name never holds a partial file.

    On a local filesystem the bytes go to a temporary file in the same
    folder, are flushed to disk, and the file is renamed over the name in
    one step. Other storages receive the name only with the complete bytes.
    """
    storage = default_storage
    if not isinstance(storage, FileSystemStorage):
        if storage.exists(name):
            storage.delete(name)
        saved = storage.save(name, ContentFile(data))
        if saved != name:  # pragma: no cover - a storage that renamed it
            storage.delete(saved)
            raise OSError(f"storage stored {name} as {saved}")
        return
    path = storage.path(name)
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        mode = getattr(settings, "FILE_UPLOAD_PERMISSIONS", None) or 0o644
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise


def job_run(job_id: int, *, worker: str) -> str:
    """Claim, gather, render, store and finish one job. Returns what happened.

    Transient errors (OSError, a lost database connection) release the job
    and propagate, for the task to retry; anything else fails the job with
    a reason the user can read, and propagates for Celery's record.
    """
    from celery.exceptions import SoftTimeLimitExceeded

    from .render import make_fetcher, render

    job = job_claim(job_id, worker=worker)
    if job is None:
        return "skipped"
    if job.attempts > MAX_ATTEMPTS:
        job_fail(job_id, JobError.INTERRUPTED, f"{job.attempts - 1} attempts", claimed_by=worker)
        return "failed"
    if job.snapshot_version_id is None:
        job_fail(job_id, JobError.RENDER, "no data version: request it again", claimed_by=worker)
        return "failed"
    try:
        frozen = job.snapshot_version
        if content_digest(frozen.data) != frozen.digest:
            # Never print a digest that is not the digest of what is printed.
            raise ValueError(f"version {frozen.pk}: its data does not match its digest")
        snapshot = frozen.data["snapshot"]
        if job.masked:
            # The digest printed stays the content's: the copy shows that
            # version, with the personal numbers masked.
            snapshot = pii.mask_snapshot(snapshot)
        if not job.context:
            job.context = render_context(
                snapshot,
                version=job.version,
                bilingual=job.bilingual,
                digest=frozen.digest,
                lifecycle=job.lifecycle,
                attachments=frozen.data.get("attachments"),
                supplements=job.supplements,
                masked=job.masked,
            )
            DocumentJob.objects.filter(pk=job.pk).update(context=job.context)
        fetcher = make_fetcher(
            attachment_reader(job.workspace_id, frozen.data.get("attachments") or [])
        )
        data = render(snapshot, job.document, context=job.context, fetcher=fetcher)
        name = job.file_name()
        store_file(name, data)
    except TRANSIENT_ERRORS:
        job_release(job_id, claimed_by=worker)
        raise
    except SoftTimeLimitExceeded:
        limit = settings.CELERY_TASK_SOFT_TIME_LIMIT
        job_fail(job_id, JobError.TIMEOUT, f"{limit} s", claimed_by=worker)
        raise
    except Exception as error:
        job_fail(job_id, JobError.RENDER, f"{type(error).__name__}: {error}", claimed_by=worker)
        raise
    finished = DocumentJob.objects.filter(
        pk=job_id, status=JobStatus.RENDERING, claimed_by=worker
    ).update(
        status=JobStatus.DONE,
        file=name,
        size=len(data),
        error_code="",
        error_detail="",
        finished_at=timezone.now(),
    )
    if not finished:
        # Recovered and re-claimed meanwhile: the other run writes the same bytes to the same name.
        logger.info("document job %s finished by another worker", job_id)
        return "superseded"
    return "done"


# ---------------------------------------------------------------------------
# Periodic: recover stalled jobs, remove superseded files
# ---------------------------------------------------------------------------


def recover_stalled(*, now: dt.datetime | None = None) -> list[int]:
    """Send again the jobs whose worker died or whose message was lost."""
    now = now or timezone.now()
    again: list[int] = []
    for job in DocumentJob.objects.filter(status=JobStatus.RENDERING).only(
        "pk", "claimed_by", "started_at"
    ):
        stale = job.started_at is None or job.started_at < now - stale_after()
        if stale or claimant_is_gone(job.claimed_by):
            if job_release(job.pk, claimed_by=job.claimed_by):
                again.append(job.pk)
    lost = DocumentJob.objects.filter(status=JobStatus.QUEUED).filter(
        Q(queued_at__lt=now - RESEND_AFTER) | Q(queued_at__isnull=True)
    )
    for pk in lost.values_list("pk", flat=True):
        if DocumentJob.objects.filter(pk=pk, status=JobStatus.QUEUED).update(queued_at=now):
            again.append(pk)
    for pk in again:
        job_enqueue(pk)
    if again:
        logger.info("document jobs sent again: %s", again)
    return again


def cleanup_superseded(*, now: dt.datetime | None = None) -> list[int]:
    """Remove the files of done jobs that a newer done job replaced.

    For each algorithm, document, language and variant (full or masked) the
    newest finished file is kept, whatever its data: a full one may be the
    copy that was submitted, and a masked copy never replaces it. Older ones
    go once the newer has existed for SUPERSEDED_GRACE.
    """
    now = now or timezone.now()
    done = (
        DocumentJob.objects.filter(status=JobStatus.DONE, superseded_at__isnull=True)
        .exclude(file="")
        .order_by("algorithm_id", "document", "bilingual", "masked", "-finished_at", "-pk")
        .values_list("pk", "algorithm_id", "document", "bilingual", "masked", "finished_at", "file")
    )
    removed: list[int] = []
    newest: dict[tuple, dt.datetime] = {}
    for pk, algorithm_id, document, bilingual, masked, finished_at, name in done:
        key = (algorithm_id, document, bilingual, masked)
        if key not in newest:
            newest[key] = finished_at
            continue
        if newest[key] is None or newest[key] > now - SUPERSEDED_GRACE:
            continue
        if DocumentJob.objects.filter(
            pk=pk, status=JobStatus.DONE, superseded_at__isnull=True
        ).update(superseded_at=now):
            try:
                default_storage.delete(name)
            except OSError as error:  # pragma: no cover - logged, retried next run
                logger.warning("cannot delete superseded document %s: %s", name, error)
            removed.append(pk)
    _remove_stale_partials(now)
    return removed


def _remove_stale_partials(now: dt.datetime) -> None:
    """Temporary files of writes that a killed worker left behind."""
    if not isinstance(default_storage, FileSystemStorage):
        return
    root = default_storage.path("documents")
    cutoff = (now - SUPERSEDED_GRACE).timestamp()
    for folder, _dirs, files in os.walk(root):
        for name in files:
            if name.startswith(".") and name.endswith(".part"):
                path = os.path.join(folder, name)
                try:
                    if os.path.getmtime(path) < cutoff:
                        os.unlink(path)
                except FileNotFoundError:
                    pass


# ---------------------------------------------------------------------------
# The workspace's wording of the letters (documents.texts)
# ---------------------------------------------------------------------------


def text_save(*, workspace, kind: str, text: str, by) -> DocumentText | None:
    """Store the workspace's wording of `kind`; the shipped default (or an empty
    text) removes the workspace's own, so the default applies again. Raises
    ValidationError for an unknown kind or a text with an unknown placeholder."""
    from django.core.exceptions import ValidationError

    from . import texts

    if kind not in texts.TEXT_KINDS:
        raise ValidationError("unknown document", code="kind")
    with transaction.atomic():
        cleaned = (text or "").replace("\r\n", "\n").strip()
        if not cleaned or cleaned == texts.default_text(kind):
            DocumentText.objects.filter(workspace=workspace, kind=kind).delete()
            return None
        cleaned = texts.validate(cleaned)
        row, _created = DocumentText.objects.update_or_create(
            workspace=workspace, kind=kind, defaults={"text": cleaned, "updated_by": by}
        )
        return row
