"""One content, one digest, end to end: a real worker renders the version a
job names, the PDF of an approved (then filed) filing prints the digest the
approval stands for without the draft mark, and the same algorithm edited
after it was filed renders as a draft of the unfiled text."""

import re
import time

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from documents.models import DocumentJob, JobStatus
from filings import snapshot
from filings.choices import FilingStatus
from filings.models import Algorithm, SnapshotVersion
from workspaces.models import Role

pytestmark = pytest.mark.django_db(transaction=True)

SEARCH = "示例新闻搜索算法"  # in review in the demo


def _wait(job_id, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = DocumentJob.objects.get(pk=job_id)
        if job.status in (JobStatus.DONE, JobStatus.FAILED):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still {job.status} after {timeout} s")


def _generate(client, demo, algorithm, worker) -> tuple[DocumentJob, bytes]:
    before = set(DocumentJob.objects.values_list("pk", flat=True))
    response = client.post(
        reverse("documents:generate", args=[demo.slug, algorithm.pk]), {"document": "form"}
    )
    assert response.status_code == 302
    (job_id,) = set(DocumentJob.objects.values_list("pk", flat=True)) - before
    job = _wait(job_id)
    assert job.status == JobStatus.DONE, (job.error_detail, "".join(worker.log[-30:]))
    download = client.get(reverse("documents:download", args=[demo.slug, job.pk]))
    return job, b"".join(download.streaming_content)


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_pdf_of_an_approved_filing_prints_the_approved_digest_and_an_edit_makes_a_draft(
    client, worker_process, demo, pdf
):
    worker = worker_process().start()
    algorithm = Algorithm.objects.get(workspace=demo, name=SEARCH)
    filing = algorithm.filings.get()
    assert filing.status == FilingStatus.IN_REVIEW
    filing.transition(FilingStatus.APPROVED, role=Role.REVIEWER, warnings_acknowledged=True)
    filing.refresh_from_db()
    approved = filing.approved_version
    assert approved is not None
    client.force_login(get_user_model().objects.get(username="demo"))

    job, data = _generate(client, demo, algorithm, worker)
    assert job.snapshot_version.digest == approved.digest == job.snapshot_hash
    text = pdf.text(data)
    pages = pdf.pages(data)
    assert all(approved.digest[:12] in _flat(page) for page in pages)
    assert "DRAFT" not in text and "草稿" not in text
    assert "已批准" in text  # the status the approval printed beside the content

    # Recording the submission and the CAC's number changes no digest.
    filing.transition(FilingStatus.SUBMITTED, role=Role.EDITOR)
    filing.transition(
        FilingStatus.FILED, role=Role.EDITOR, filing_number="网信算备110108823483901240055号"
    )
    filing.refresh_from_db()
    assert filing.filed_version.digest == approved.digest
    assert snapshot.digest(snapshot.content(algorithm)) == approved.digest
    filed_job, filed_pdf = _generate(client, demo, algorithm, worker)
    assert filed_job.snapshot_hash == approved.digest
    filed_text = _flat(pdf.text(filed_pdf))
    assert "网信算备110108823483901240055号" in filed_text and "已备案" in filed_text
    assert "DRAFT" not in filed_text and approved.digest[:12] in filed_text

    # An edit after filing: the next PDF is a draft of the unfiled text, with its own digest.
    algorithm.refresh_from_db()
    algorithm.summary = "备案之后修改的算法简介。"
    algorithm.save()
    edited = SnapshotVersion.objects.filter(algorithm=algorithm).latest("pk")
    assert edited.digest != approved.digest
    draft_job, draft_pdf = _generate(client, demo, algorithm, worker)
    assert draft_job.snapshot_version == edited
    draft_pages = pdf.pages(draft_pdf)
    assert all("草稿 DRAFT" in page for page in draft_pages)
    draft_text = _flat(pdf.text(draft_pdf))
    assert edited.digest[:12] in draft_text and approved.digest[:12] not in draft_text
    assert "备案之后修改的算法简介。" in draft_text
    assert "已备案" not in draft_text  # the filed status is not this text's status

    # The filed PDF is unchanged and still offered.
    again = client.get(reverse("documents:download", args=[demo.slug, filed_job.pk]))
    assert b"".join(again.streaming_content) == filed_pdf
