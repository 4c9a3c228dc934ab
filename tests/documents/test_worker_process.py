"""A real worker process renders what the browser asks for."""

import time

import pytest
from django.urls import reverse

from documents.models import DocumentJob, JobStatus

pytestmark = pytest.mark.django_db(transaction=True)


def _wait(job_id, statuses, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = DocumentJob.objects.get(pk=job_id)
        if job.status in statuses:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still {job.status} after {timeout} s")


def test_a_worker_process_renders_a_document_requested_in_the_browser(
    client, worker_process, demo, feed
):
    from django.contrib.auth import get_user_model

    worker = worker_process().start()
    client.force_login(get_user_model().objects.get(username="demo"))
    started = time.monotonic()
    response = client.post(
        reverse("documents:generate", args=[demo.slug, feed.pk]), {"document": "disclosure"}
    )
    assert response.status_code == 302
    job = DocumentJob.objects.get()
    job = _wait(job.pk, {JobStatus.DONE, JobStatus.FAILED})
    assert job.status == JobStatus.DONE, (
        job.error_code,
        job.error_detail,
        "".join(worker.log[-30:]),
    )
    download = client.get(reverse("documents:download", args=[demo.slug, job.pk]))
    body = b"".join(download.streaming_content)
    assert body.startswith(b"%PDF")
    print(f"click to downloadable: {time.monotonic() - started:.2f} s")


def test_a_job_whose_worker_is_killed_mid_render_completes_after_a_restart(
    client, worker_process, demo, feed
):
    from django.contrib.auth import get_user_model

    from filings.models import Algorithm

    # Enough text to keep the worker busy for a few seconds.
    text = "根据用户的浏览、点赞和评论行为召回并排序候选资讯，并经过安全过滤和人工干预。" * 100
    Algorithm.objects.filter(pk=feed.pk).update(
        summary=text, strategy=text, model_and_training_data=text, risks_and_safeguards=text
    )
    first = worker_process().start()
    client.force_login(get_user_model().objects.get(username="demo"))
    client.post(reverse("documents:generate", args=[demo.slug, feed.pk]), {"document": "package"})
    job = _wait(DocumentJob.objects.get().pk, {JobStatus.RENDERING, JobStatus.DONE})
    assert job.status == JobStatus.RENDERING, "rendered before the test could stop the worker"
    assert job.claimed_by.endswith(f":{first.pid}")
    first.kill()
    job.refresh_from_db()
    assert job.status == JobStatus.RENDERING
    download = reverse("documents:download", args=[demo.slug, job.pk])
    assert client.get(download).status_code == 404  # nothing half-written is offered

    second = worker_process().start()
    job = _wait(job.pk, {JobStatus.DONE, JobStatus.FAILED}, timeout=90)
    assert job.status == JobStatus.DONE, (
        job.error_code,
        job.error_detail,
        "".join(second.log[-30:]),
    )
    assert job.attempts == 2 and job.claimed_by.endswith(f":{second.pid}")
    response = client.get(download)
    assert b"".join(response.streaming_content).startswith(b"%PDF")
