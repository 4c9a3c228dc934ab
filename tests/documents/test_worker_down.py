"""A job queued with no worker running says so, and what to do (issue 11, item 11).

The test environment has no worker: the ping is real there. With a worker
process of its own (conftest.worker_process) the message is absent.
"""

import datetime as dt
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from documents import worker
from documents.models import DocumentJob, JobStatus
from documents.services import job_request
from tests.readonly import no_writes

MESSAGE = "No worker is running"


@pytest.fixture(autouse=True)
def fresh_answer():
    cache.delete(worker.CACHE_KEY)
    yield
    cache.delete(worker.CACHE_KEY)


def _queued(feed, *, seconds_ago: float) -> DocumentJob:
    """A job that was queued `seconds_ago` and that no worker took (its message is never sent)."""
    job = job_request(algorithm=feed, document="disclosure", user=None)
    moment = timezone.now() - dt.timedelta(seconds=seconds_ago)
    DocumentJob.objects.filter(pk=job.pk).update(
        status=JobStatus.QUEUED, queued_at=moment, created_at=moment
    )
    return job


def _poll(client, demo, job, *, htmx=True) -> str:
    url = reverse("documents:job", args=[demo.slug, job.pk])
    headers = {"HTTP_ACCEPT_LANGUAGE": "en"}
    if htmx:
        headers["HTTP_HX_REQUEST"] = "true"
    with no_writes(label="the job page"):
        response = client.get(url, **headers)
    assert response.status_code == 200
    return response.content.decode()


def _viewer(demo):
    from tests.factories import MembershipFactory, UserFactory
    from workspaces.models import Role

    user = UserFactory()
    MembershipFactory(workspace=demo, user=user, role=Role.VIEWER)
    return user


@pytest.mark.django_db
class TestNoWorker:
    def test_a_job_waiting_with_no_worker_says_so_and_what_to_do(
        self, client, demo, feed, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks():  # never sent: nothing takes it
            job = _queued(feed, seconds_ago=30)
        client.force_login(_viewer(demo))
        for htmx in (True, False):
            body = _poll(client, demo, job, htmx=htmx)
            assert 'data-testid="no-worker"' in body and MESSAGE in body
            assert "<code>make run</code>" in body and "worker container" in body
            # It keeps polling: the job starts when a worker comes.
            assert 'hx-trigger="every 1s"' in body
        assert DocumentJob.objects.get(pk=job.pk).status == JobStatus.QUEUED

    def test_in_chinese_too(self, client, demo, feed, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks():
            job = _queued(feed, seconds_ago=30)
        client.force_login(_viewer(demo))
        url = reverse("documents:job", args=[demo.slug, job.pk])
        body = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "没有运行中的 worker" in body and "make run" in body

    def test_a_job_queued_a_moment_ago_does_not_ask(
        self, client, demo, feed, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks():
            job = _queued(feed, seconds_ago=1)
        client.force_login(_viewer(demo))
        with mock.patch.object(worker, "_ping") as ping:
            body = _poll(client, demo, job)
        ping.assert_not_called()
        assert MESSAGE not in body and "Waiting for a worker" in body

    def test_the_answer_is_cached_so_polling_does_not_ping_every_second(
        self, client, demo, feed, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks():
            job = _queued(feed, seconds_ago=30)
        client.force_login(_viewer(demo))
        with mock.patch.object(worker, "_ping", wraps=worker._ping) as ping:
            for _ in range(3):
                assert MESSAGE in _poll(client, demo, job)
        assert ping.call_count == 1

    def test_a_worker_answering_hides_the_message(
        self, client, demo, feed, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks():
            job = _queued(feed, seconds_ago=30)
        client.force_login(_viewer(demo))
        with mock.patch.object(worker, "_ping", return_value=True):
            assert MESSAGE not in _poll(client, demo, job)

    def test_a_broker_that_is_down_counts_as_no_worker(
        self, client, demo, feed, broker_down, django_capture_on_commit_callbacks
    ):
        job = DocumentJob.objects.create(
            workspace=demo,
            algorithm=feed,
            document="disclosure",
            snapshot_hash="0" * 64,
            version=1,
            queued_at=timezone.now() - dt.timedelta(seconds=30),
        )
        client.force_login(_viewer(demo))
        assert MESSAGE in _poll(client, demo, job)

    def test_finished_and_failed_jobs_never_ask(
        self, client, demo, feed, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks():
            job = _queued(feed, seconds_ago=30)
        client.force_login(_viewer(demo))
        DocumentJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error_code="render")
        with mock.patch.object(worker, "_ping") as ping:
            assert MESSAGE not in _poll(client, demo, job)
        ping.assert_not_called()


@pytest.mark.django_db(transaction=True)
def test_with_a_real_worker_running_there_is_no_message(client, worker_process, demo, feed):
    worker_process().start()
    # A job whose message no worker will see (never sent), so it stays queued.
    job = DocumentJob.objects.create(
        workspace=demo,
        algorithm=feed,
        document="disclosure",
        snapshot_hash="0" * 64,
        version=1,
        queued_at=timezone.now() - dt.timedelta(seconds=30),
    )
    client.force_login(get_user_model().objects.get(username="demo"))
    body = _poll(client, demo, job)
    assert 'data-status="queued"' in body and "Waiting for a worker" in body
    assert MESSAGE not in body
    assert cache.get(worker.CACHE_KEY) is True
