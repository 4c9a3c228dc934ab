"""The life of a render job: frozen snapshot, enqueue after commit, one
claimant, safe re-runs, retries of transient errors only, recovery of a
dead worker's job, atomic files, and the cleanup of superseded files."""

import datetime as dt
import os
import socket
import subprocess
import sys
from unittest import mock

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from documents import services
from documents.models import DocumentJob, JobError, JobStatus
from documents.tasks import render_document
from filings import snapshot, versions
from filings.choices import FilingStatus
from filings.models import Algorithm, Filing, SnapshotVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded_failures():
    """Eager tasks record their failure (as a worker does) instead of raising it."""
    app = render_document.app
    saved = app.conf.task_eager_propagates
    app.conf.update(task_eager_propagates=False)
    yield
    app.conf.update(task_eager_propagates=saved)


def _request(algorithm, document="disclosure", user=None, **options):
    return services.job_request(algorithm=algorithm, document=document, user=user, **options)


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_request_freezes_the_snapshot_and_enqueues_only_after_commit(
    feed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        job = _request(feed)
        assert job.status == JobStatus.QUEUED
    assert len(callbacks) == 1  # nothing is sent before the transaction commits
    content = snapshot.content(feed)
    assert job.snapshot_version.data == content
    assert job.snapshot_hash == job.snapshot_version.digest == snapshot.digest(content)
    assert job.version == 1
    # Later edits do not reach the frozen job.
    Algorithm.objects.filter(pk=feed.pk).update(summary="改过的简介")
    job.refresh_from_db()
    assert "改过的简介" not in str(job.snapshot_version.data)


def test_the_committed_job_is_rendered_by_the_task(feed, django_capture_on_commit_callbacks):
    # The test settings run tasks eagerly: executing the callback renders.
    with django_capture_on_commit_callbacks(execute=True):
        job = _request(feed)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert job.attempts == 1 and job.size and job.file.name == job.file_name()
    with default_storage.open(job.file.name, "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert job.context["version"] == 1 and job.context["items"]


def test_an_unchanged_snapshot_reuses_the_finished_file(feed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = _request(feed)
    with django_capture_on_commit_callbacks() as callbacks:
        again = _request(feed)
    assert again.pk == first.pk and callbacks == []
    assert DocumentJob.objects.count() == 1


def test_changed_data_gets_a_new_job_and_the_next_version(feed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = _request(feed)
        other_document = _request(feed, "form")
    Algorithm.objects.filter(pk=feed.pk).update(summary="新的算法简介。")
    with django_capture_on_commit_callbacks():
        second = _request(feed)
    assert second.pk != first.pk
    assert (first.version, other_document.version, second.version) == (1, 1, 2)


def test_a_job_under_way_is_not_requested_twice(feed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        first = _request(feed)
    with django_capture_on_commit_callbacks() as callbacks:
        again = _request(feed)
    assert again.pk == first.pk and callbacks == []


def test_the_second_claim_of_a_job_does_nothing(feed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        job = _request(feed)
    assert services.job_claim(job.pk, worker="host-a:1") is not None
    assert services.job_claim(job.pk, worker="host-b:2") is None
    job.refresh_from_db()
    assert (job.status, job.claimed_by, job.attempts) == (JobStatus.RENDERING, "host-a:1", 1)


def test_running_a_job_twice_is_safe_and_writes_the_same_file(
    feed, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        job = _request(feed)
    assert services.job_run(job.pk, worker="w:1") == "done"
    assert services.job_run(job.pk, worker="w:2") == "skipped"  # a second delivery
    job.refresh_from_db()
    first = (media / job.file.name).read_bytes()
    # Run it again from scratch (as after a crash after the write): same name, same bytes.
    DocumentJob.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED)
    assert services.job_run(job.pk, worker="w:3") == "done"
    assert (media / job.file.name).read_bytes() == first
    assert sorted(p.name for p in (media / job.file.name).parent.iterdir()) == [
        os.path.basename(job.file.name)
    ]


def test_a_job_stuck_in_rendering_longer_than_the_hard_limit_is_claimed_again(
    feed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        job = _request(feed)
    long_ago = timezone.now() - services.stale_after() - dt.timedelta(seconds=1)
    DocumentJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RENDERING, claimed_by="elsewhere:123", started_at=long_ago, attempts=1
    )
    claimed = services.job_claim(job.pk, worker="here:1")
    assert claimed is not None and claimed.claimed_by == "here:1" and claimed.attempts == 2


def test_a_job_rendering_in_a_live_worker_is_left_alone(feed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        job = _request(feed)
    me = f"{socket.gethostname()}:{os.getpid()}"
    DocumentJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RENDERING, claimed_by=me, started_at=timezone.now()
    )
    assert services.job_claim(job.pk, worker="other:2") is None
    assert services.recover_stalled() == []


def test_the_job_of_a_killed_worker_is_recovered_and_completed(
    feed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        job = _request(feed)
    DocumentJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RENDERING,
        claimed_by=f"{socket.gethostname()}:{_dead_pid()}",
        started_at=timezone.now(),
        attempts=1,
    )
    # What a restarted worker (and the periodic task) does; the test settings run the task eagerly.
    assert services.recover_stalled() == [job.pk]
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.attempts == 2


def test_a_queued_job_whose_message_was_lost_is_sent_again(
    feed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        job = _request(feed)
    DocumentJob.objects.filter(pk=job.pk).update(
        queued_at=timezone.now() - services.RESEND_AFTER - dt.timedelta(seconds=1)
    )
    assert services.recover_stalled() == [job.pk]
    job.refresh_from_db()
    assert job.status == JobStatus.DONE


def test_a_transient_error_releases_the_job_for_a_retry(feed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        job = _request(feed)
    with mock.patch.object(services, "store_file", side_effect=OSError("disk busy")):
        with pytest.raises(OSError):
            services.job_run(job.pk, worker="w:1")
    job.refresh_from_db()
    assert (job.status, job.claimed_by, job.attempts) == (JobStatus.QUEUED, "", 1)
    assert services.job_run(job.pk, worker="w:1") == "done"


def test_the_task_retries_transient_errors_then_fails_with_the_reason(
    feed, django_capture_on_commit_callbacks, recorded_failures
):
    with django_capture_on_commit_callbacks():
        job = _request(feed)
    with mock.patch.object(services, "store_file", side_effect=OSError("disk full")) as store:
        result = render_document.apply(args=(job.pk,))
    assert result.failed()
    assert store.call_count == render_document.max_retries + 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error_code == JobError.STORAGE
    assert "disk full" in job.error_detail


def test_a_render_error_fails_at_once_without_retry(
    feed, django_capture_on_commit_callbacks, recorded_failures
):
    with django_capture_on_commit_callbacks():
        job = _request(feed)
    with mock.patch("documents.render.render", side_effect=ValueError("bad template")) as render:
        result = render_document.apply(args=(job.pk,))
    assert result.failed() and render.call_count == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error_code == JobError.RENDER
    assert job.error_detail == "ValueError: bad template"
    assert not job.file


def test_the_soft_time_limit_fails_the_job_with_a_clear_error(
    feed, django_capture_on_commit_callbacks, recorded_failures
):
    with django_capture_on_commit_callbacks():
        job = _request(feed)
    with mock.patch("documents.render.render", side_effect=SoftTimeLimitExceeded()):
        render_document.apply(args=(job.pk,))
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error_code == JobError.TIMEOUT


def test_the_task_acknowledges_late_under_the_configured_time_limits(settings):
    from config.celery import app

    assert render_document.acks_late and render_document.reject_on_worker_lost
    assert render_document.autoretry_for == services.TRANSIENT_ERRORS
    # No limits of its own: SUANBEI_TASK_TIME_LIMIT / _SOFT_TIME_LIMIT apply.
    assert render_document.time_limit == settings.CELERY_TASK_TIME_LIMIT
    assert render_document.soft_time_limit == settings.CELERY_TASK_SOFT_TIME_LIMIT
    assert app.conf.task_time_limit == settings.CELERY_TASK_TIME_LIMIT
    assert app.conf.task_soft_time_limit == settings.CELERY_TASK_SOFT_TIME_LIMIT
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit


def test_a_job_counts_as_lost_only_after_the_configured_hard_limit(settings):
    settings.CELERY_TASK_TIME_LIMIT = 600
    assert services.stale_after() == dt.timedelta(seconds=630)


def test_the_timeout_error_names_the_configured_soft_limit(
    feed, settings, django_capture_on_commit_callbacks, recorded_failures
):
    settings.CELERY_TASK_SOFT_TIME_LIMIT = 123
    with django_capture_on_commit_callbacks():
        job = _request(feed)
    with mock.patch("documents.render.render", side_effect=SoftTimeLimitExceeded()):
        render_document.apply(args=(job.pk,))
    job.refresh_from_db()
    assert job.error_code == JobError.TIMEOUT and job.error_detail == "123 s"


def test_a_job_interrupted_too_often_fails(feed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        job = _request(feed)
    DocumentJob.objects.filter(pk=job.pk).update(attempts=services.MAX_ATTEMPTS)
    assert services.job_run(job.pk, worker="w:1") == "failed"
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error_code == JobError.INTERRUPTED


def test_a_failed_write_leaves_no_file_under_the_name(media):
    name = "documents/1/2/3-report-abc.pdf"
    with mock.patch("documents.services.os.fsync", side_effect=OSError("I/O error")):
        with pytest.raises(OSError):
            services.store_file(name, b"%PDF-1.7 partial")
    folder = media / "documents/1/2"
    assert list(folder.iterdir()) == []  # neither the name nor a temporary file
    services.store_file(name, b"%PDF-1.7 complete")
    assert (media / name).read_bytes() == b"%PDF-1.7 complete"
    assert [p.name for p in folder.iterdir()] == ["3-report-abc.pdf"]


def _done_job(algorithm, finished_at, name):
    job = DocumentJob.objects.create(
        workspace_id=algorithm.workspace_id,
        algorithm=algorithm,
        document="report",
        snapshot_version=versions.record(algorithm),
        snapshot_hash=snapshot.digest({"n": name}),
        version=1,
        status=JobStatus.DONE,
        finished_at=finished_at,
    )
    default_storage.save(job.file_name(), ContentFile(b"%PDF-1.7"))
    DocumentJob.objects.filter(pk=job.pk).update(file=job.file_name(), size=8)
    job.refresh_from_db()
    return job


def test_cleanup_removes_superseded_files_and_keeps_the_newest(feed):
    now = timezone.now()
    oldest = _done_job(feed, now - dt.timedelta(days=3), "a")
    older = _done_job(feed, now - dt.timedelta(days=2), "b")
    newest = _done_job(feed, now - dt.timedelta(days=1), "c")
    assert sorted(services.cleanup_superseded(now=now)) == [oldest.pk, older.pk]
    for job in (oldest, older):
        job.refresh_from_db()
        assert job.superseded_at is not None and not job.is_downloadable
        assert not default_storage.exists(job.file.name)
    newest.refresh_from_db()
    assert newest.is_downloadable and default_storage.exists(newest.file.name)
    assert services.cleanup_superseded(now=now) == []


def test_cleanup_waits_before_removing_a_file_just_superseded(feed):
    now = timezone.now()
    older = _done_job(feed, now - dt.timedelta(days=1), "a")
    _done_job(feed, now - dt.timedelta(minutes=5), "b")
    assert services.cleanup_superseded(now=now) == []
    assert services.cleanup_superseded(now=now + services.SUPERSEDED_GRACE) == [older.pk]


def test_the_beat_schedule_runs_recovery_and_cleanup():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"documents.cleanup_superseded", "documents.recover_stalled"} <= tasks


# ---------------------------------------------------------------------------
# The version a job renders (filings.snapshot: one content, one digest)
# ---------------------------------------------------------------------------


def test_a_job_renders_the_version_it_names_and_prints_its_digest(
    feed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        job = _request(feed)
    version = job.snapshot_version
    assert version == SnapshotVersion.objects.filter(algorithm=feed).latest("pk")
    # The data changes after the request: the worker still renders the version named.
    Algorithm.objects.filter(pk=feed.pk).update(summary="请求之后改过的简介")
    with mock.patch("documents.render.render", return_value=b"%PDF-1.7") as render:
        assert services.job_run(job.pk, worker="w:1") == "done"
    assert render.call_args.args[0] == version.data["snapshot"]
    assert render.call_args.kwargs["context"]["digest"] == version.digest


def test_the_same_data_once_approved_gets_a_new_file_without_the_draft_mark(
    chat, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        draft = _request(chat)
    assert draft.lifecycle["final"] is False
    Filing.objects.filter(algorithm=chat).update(
        status=FilingStatus.APPROVED, approved_version=draft.snapshot_version
    )
    with django_capture_on_commit_callbacks(execute=True):
        approved = _request(chat)
    assert approved.pk != draft.pk
    assert approved.snapshot_hash == draft.snapshot_hash and approved.version == draft.version
    assert approved.lifecycle == {
        "final": True,
        "kind": "initial",
        "status": FilingStatus.APPROVED,
        "filing_number": "",
    }
    with django_capture_on_commit_callbacks() as callbacks:
        assert _request(chat).pk == approved.pk  # and that one is reused
    assert callbacks == []


def test_a_version_whose_data_does_not_match_its_digest_is_not_rendered(
    feed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        job = _request(feed)
    data = job.snapshot_version.data
    data["snapshot"]["providers"][0]["name"] = "别的公司"
    SnapshotVersion.objects.filter(pk=job.snapshot_version_id).update(data=data)
    with pytest.raises(ValueError):
        services.job_run(job.pk, worker="w:1")
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "does not match its digest" in job.error_detail


def test_a_job_without_a_version_is_refused(feed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        job = _request(feed)
    DocumentJob.objects.filter(pk=job.pk).update(snapshot_version=None)
    assert services.job_run(job.pk, worker="w:1") == "failed"
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error_code == JobError.RENDER
