"""Personal data in the PDFs (workspaces.permissions, documents.access): owners
and editors get the full file, each download recorded; reviewers get a masked
review copy unless they ask for the full one (recorded); viewers get neither.
Read from the rendered PDFs with pdftotext."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from documents.models import DocumentJob, JobStatus
from documents.services import cleanup_superseded, job_request
from tests.factories import MembershipFactory, UserFactory
from workspaces.models import AuditLog, Role

pytestmark = pytest.mark.django_db

# The demo provider's numbers (demo.workspace) and their masks (filings.pii).
FULL = ("11010519491231002X", "110108199003071238", "13800138000")
MASKED = ("110***********002X", "110***********1238", "138****8000")
FIELDS = ["legal_rep_id_number", "officer_id_number", "officer_mobile"]


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture
def member(demo):
    def make(role):
        user = UserFactory()
        MembershipFactory(workspace=demo, user=user, role=role)
        return user

    return make


@pytest.fixture
def generate(client, demo, feed, django_capture_on_commit_callbacks):
    """POST the generate form as the logged-in member; the job is rendered at once."""

    def post(document="form", **data) -> DocumentJob:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("documents:generate", args=[demo.slug, feed.pk]),
                {"document": document, **data},
            )
        assert response.status_code == 302
        job = DocumentJob.objects.order_by("-pk").first()
        assert job.status == JobStatus.DONE, job.error_detail
        return job

    return post


def _download(client, demo, job, **query):
    response = client.get(reverse("documents:download", args=[demo.slug, job.pk]), query)
    if response.status_code == 200:
        response.bytes = b"".join(response.streaming_content)
    return response


class TestReviewers:
    def test_a_reviewer_generates_a_masked_review_copy(self, client, demo, member, generate, pdf):
        client.force_login(member(Role.REVIEWER))
        job = generate()
        assert job.masked
        response = _download(client, demo, job)
        assert response.status_code == 200
        text = _flat(pdf.text(response.bytes))
        assert all(number in text for number in MASKED)
        assert not any(number in text for number in FULL)
        # Every page says it is a review copy, and the copy is no submission.
        pages = pdf.pages(response.bytes)
        assert all("审阅副本" in page for page in pages)
        assert "不得用于提交" in text
        assert quote("审阅副本") in response["Content-Disposition"]
        assert not AuditLog.objects.exists()

    def test_a_reviewer_who_asks_gets_the_full_file_and_it_is_recorded(
        self, client, demo, feed, member, generate, pdf
    ):
        reviewer = member(Role.REVIEWER)
        client.force_login(reviewer)
        job = generate(full="on")
        assert not job.masked
        # Only through the link that says so.
        assert _download(client, demo, job).status_code == 403
        assert not AuditLog.objects.exists()
        response = _download(client, demo, job, personal="full")
        assert response.status_code == 200
        text = _flat(pdf.text(response.bytes))
        assert all(number in text for number in FULL)
        assert "审阅副本" not in text
        [entry] = AuditLog.objects.all()
        assert entry.user == reviewer and entry.workspace == demo
        assert (entry.object_type, entry.object_id) == ("provider", feed.provider_id)
        assert entry.fields == FIELDS and "/download/" in entry.path

    def test_the_pages_offer_reviewers_the_masked_copy_and_the_full_one_by_name(
        self, client, demo, feed, member, generate
    ):
        client.force_login(member(Role.OWNER))
        full = generate()
        client.force_login(member(Role.REVIEWER))
        page = client.get(
            reverse("documents:algorithm", args=[demo.slug, feed.pk]), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
        plain = reverse("documents:download", args=[demo.slug, full.pk])
        assert f'href="{plain}?personal=full"' in page
        assert "With ID and mobile numbers in full (recorded)" in page  # the generate option
        assert f'href="{plain}"' not in page
        masked = generate()
        job_page = client.get(
            reverse("documents:job", args=[demo.slug, masked.pk]), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
        assert "A review copy" in job_page
        assert reverse("documents:download", args=[demo.slug, masked.pk]) + '"' in job_page


class TestOwnersAndEditors:
    @pytest.mark.parametrize("role", [Role.OWNER, Role.EDITOR])
    def test_they_get_the_full_file_and_each_download_is_recorded(
        self, client, demo, feed, member, generate, pdf, role
    ):
        user = member(role)
        client.force_login(user)
        job = generate(full="")  # the option is for reviewers: full anyway
        assert not job.masked
        response = _download(client, demo, job)
        assert response.status_code == 200
        text = _flat(pdf.text(response.bytes))
        assert all(number in text for number in FULL)
        assert "审阅副本" not in text
        _download(client, demo, job)
        entries = AuditLog.objects.filter(user=user)
        assert entries.count() == 2
        assert all(e.fields == FIELDS and e.object_id == feed.provider_id for e in entries)

    def test_a_file_without_personal_numbers_records_nothing(
        self, client, demo, feed, member, generate
    ):
        from filings.models import Provider

        Provider.objects.filter(pk=feed.provider_id).update(
            legal_rep_id_number="", officer_id_number="", officer_mobile=""
        )
        client.force_login(member(Role.EDITOR))
        job = generate("disclosure")
        assert _download(client, demo, job).status_code == 200
        assert not AuditLog.objects.exists()


class TestViewers:
    def test_viewers_neither_generate_nor_download_either_variant(
        self, client, demo, feed, member, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            full = job_request(algorithm=feed, document="form", user=None)
            masked = job_request(algorithm=feed, document="form", user=None, masked=True)
        client.force_login(member(Role.VIEWER))
        url = reverse("documents:generate", args=[demo.slug, feed.pk])
        assert client.post(url, {"document": "form"}).status_code == 403
        for job in (full, masked):
            assert _download(client, demo, job).status_code == 403
            assert _download(client, demo, job, personal="full").status_code == 403
        page = client.get(reverse("documents:algorithm", args=[demo.slug, feed.pk])).content
        assert b"/download/" not in page
        assert not AuditLog.objects.exists()


class TestTheVariantsStayApart:
    def test_each_variant_is_its_own_job_and_file_and_is_reused_as_such(
        self, feed, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            full = job_request(algorithm=feed, document="form", user=None)
            masked = job_request(algorithm=feed, document="form", user=None, masked=True)
        full.refresh_from_db()
        masked.refresh_from_db()
        assert full.pk != masked.pk and full.snapshot_hash == masked.snapshot_hash
        assert full.file.name != masked.file.name and masked.file.name.endswith("-masked.pdf")
        assert masked.download_name().endswith("-审阅副本.pdf")
        assert "审阅副本" not in full.download_name()
        assert masked.context["masked"] is True and full.context["masked"] is False
        with django_capture_on_commit_callbacks(execute=True):
            again = job_request(algorithm=feed, document="form", user=None, masked=True)
            again_full = job_request(algorithm=feed, document="form", user=None)
        assert (again.pk, again_full.pk) == (masked.pk, full.pk)

    def test_a_newer_masked_copy_never_removes_the_full_file(
        self, feed, django_capture_on_commit_callbacks
    ):
        import datetime as dt

        from django.utils import timezone

        with django_capture_on_commit_callbacks(execute=True):
            full = job_request(algorithm=feed, document="form", user=None)
            masked = job_request(algorithm=feed, document="form", user=None, masked=True)
        later = timezone.now() + dt.timedelta(days=1)
        DocumentJob.objects.filter(pk=full.pk).update(finished_at=later - dt.timedelta(hours=5))
        DocumentJob.objects.filter(pk=masked.pk).update(finished_at=later - dt.timedelta(hours=3))
        assert cleanup_superseded(now=later) == []
        full.refresh_from_db()
        assert full.is_downloadable and default_storage.exists(full.file.name)

    def test_a_masked_package_has_no_submission_bundle(
        self, client, demo, feed, member, django_capture_on_commit_callbacks, pdf
    ):
        with django_capture_on_commit_callbacks(execute=True):
            package = job_request(algorithm=feed, document="package", user=None, masked=True)
        package.refresh_from_db()
        assert package.status == JobStatus.DONE, package.error_detail
        client.force_login(member(Role.OWNER))
        bundle = reverse("documents:bundle", args=[demo.slug, package.pk])
        assert client.get(bundle).status_code == 404
        job_page = client.get(reverse("documents:job", args=[demo.slug, package.pk])).content
        assert bundle.encode() not in job_page
        with default_storage.open(package.file.name, "rb") as handle:
            data = handle.read()
        cover = _flat(pdf.pages(data)[0])
        assert "审阅副本" in cover and "不得用于提交" in cover
        assert not any(number in _flat(pdf.text(data)) for number in FULL)

    def test_a_reviewers_bundle_of_the_full_package_needs_the_explicit_link(
        self, client, demo, feed, member, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            package = job_request(algorithm=feed, document="package", user=None)
        reviewer = member(Role.REVIEWER)
        client.force_login(reviewer)
        bundle = reverse("documents:bundle", args=[demo.slug, package.pk])
        assert client.get(bundle).status_code == 403
        assert not AuditLog.objects.exists()
        response = client.get(bundle, {"personal": "full"})
        assert response.status_code == 200
        b"".join(response.streaming_content)
        entry = AuditLog.objects.get(user=reviewer)
        assert "legal_rep_id_copy" in entry.fields and "officer_mobile" in entry.fields
