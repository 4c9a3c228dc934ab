"""The pages: generate (enqueue, return at once), watch a job (htmx), download.
Each view is checked for anonymous users, other workspaces and every role."""

import time
from urllib.parse import unquote

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from documents.models import DocumentJob, JobError, JobStatus
from documents.services import job_request
from tests.factories import AlgorithmFactory, MembershipFactory, ProviderFactory, UserFactory
from workspaces.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(demo):
    def make(role):
        user = UserFactory()
        MembershipFactory(workspace=demo, user=user, role=role)
        return user

    return make


@pytest.fixture
def done_job(feed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_request(algorithm=feed, document="report", user=None)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    return job


@pytest.fixture
def queued_job(feed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        return job_request(algorithm=feed, document="disclosure", user=None)


def _urls(demo, feed, job):
    return {
        "algorithm": ("get", reverse("documents:algorithm", args=[demo.slug, feed.pk])),
        "generate": ("post", reverse("documents:generate", args=[demo.slug, feed.pk])),
        "job": ("get", reverse("documents:job", args=[demo.slug, job.pk])),
        "download": ("get", reverse("documents:download", args=[demo.slug, job.pk])),
    }


class TestAccess:
    def test_anonymous_users_are_sent_to_log_in(self, client, demo, feed, done_job):
        for method, url in _urls(demo, feed, done_job).values():
            response = getattr(client, method)(url, {"document": "report"})
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    def test_members_of_another_workspace_get_404(self, client, demo, feed, done_job):
        stranger = UserFactory()
        MembershipFactory(user=stranger, role=Role.OWNER)  # owner elsewhere
        client.force_login(stranger)
        for method, url in _urls(demo, feed, done_job).values():
            assert getattr(client, method)(url, {"document": "report"}).status_code == 404

    def test_a_job_of_another_workspace_is_404_in_ones_own_workspace(
        self, client, demo, feed, done_job
    ):
        other = AlgorithmFactory(provider=ProviderFactory())
        user = UserFactory()
        MembershipFactory(workspace=other.workspace, user=user, role=Role.OWNER)
        client.force_login(user)
        slug = other.workspace.slug
        assert client.get(reverse("documents:job", args=[slug, done_job.pk])).status_code == 404
        assert (
            client.get(reverse("documents:download", args=[slug, done_job.pk])).status_code == 404
        )
        response = client.post(
            reverse("documents:generate", args=[slug, feed.pk]), {"document": "form"}
        )
        assert response.status_code == 404

    def test_viewers_see_the_documents_but_neither_generate_nor_download(
        self, client, demo, feed, member, done_job
    ):
        client.force_login(member(Role.VIEWER))
        urls = _urls(demo, feed, done_job)
        page = client.get(urls["algorithm"][1], HTTP_ACCEPT_LANGUAGE="en")
        assert page.status_code == 200
        assert urls["generate"][1] not in page.content.decode()
        assert client.get(urls["job"][1]).status_code == 200
        assert client.post(urls["generate"][1], {"document": "report"}).status_code == 403
        assert client.get(urls["download"][1]).status_code == 403
        assert DocumentJob.objects.count() == 1

    @pytest.mark.parametrize("role", [Role.OWNER, Role.EDITOR, Role.REVIEWER])
    def test_owners_editors_and_reviewers_generate_and_download(
        self, client, demo, feed, member, done_job, role, django_capture_on_commit_callbacks
    ):
        client.force_login(member(role))
        urls = _urls(demo, feed, done_job)
        with django_capture_on_commit_callbacks():
            response = client.post(urls["generate"][1], {"document": "form"})
        assert response.status_code == 302
        # done_job carries the numbers in full: a reviewer has it only by asking
        # (tests/documents/test_masked_copies.py).
        full = {"personal": "full"} if role == Role.REVIEWER else {}
        assert client.get(urls["download"][1], full).status_code == 200
        if role == Role.REVIEWER:
            assert client.get(urls["download"][1]).status_code == 403

    def test_generate_accepts_only_post(self, client, demo, feed, member):
        client.force_login(member(Role.OWNER))
        url = reverse("documents:generate", args=[demo.slug, feed.pk])
        assert client.get(url).status_code == 405


class TestGenerate:
    def test_it_enqueues_after_commit_and_returns_at_once_to_the_job_page(
        self, client, demo, feed, member, django_capture_on_commit_callbacks
    ):
        client.force_login(member(Role.EDITOR))
        started = time.monotonic()
        with django_capture_on_commit_callbacks() as callbacks:
            response = client.post(
                reverse("documents:generate", args=[demo.slug, feed.pk]),
                {"document": "package", "bilingual": "on"},
            )
        assert time.monotonic() - started < 2  # no rendering in the request
        job = DocumentJob.objects.get()
        assert response["Location"] == reverse("documents:job", args=[demo.slug, job.pk])
        assert (job.status, job.document, job.bilingual) == (JobStatus.QUEUED, "package", True)
        assert len(callbacks) == 1

    def test_an_unknown_document_is_refused_with_a_message(self, client, demo, feed, member):
        client.force_login(member(Role.OWNER))
        response = client.post(
            reverse("documents:generate", args=[demo.slug, feed.pk]),
            {"document": "passwd"},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert "Choose one of the documents." in response.content.decode()
        assert not DocumentJob.objects.exists()

    def test_a_second_request_for_unchanged_data_reuses_the_file(
        self, client, demo, feed, member, done_job
    ):
        client.force_login(member(Role.OWNER))
        response = client.post(
            reverse("documents:generate", args=[demo.slug, feed.pk]), {"document": "report"}
        )
        assert response["Location"] == reverse("documents:job", args=[demo.slug, done_job.pk])
        assert DocumentJob.objects.count() == 1


class TestJobPage:
    def test_a_queued_job_polls_itself_with_htmx(self, client, demo, member, queued_job):
        client.force_login(member(Role.VIEWER))
        url = reverse("documents:job", args=[demo.slug, queued_job.pk])
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "<main" in page and 'hx-trigger="every 1s"' in page and f'hx-get="{url}"' in page
        partial = client.get(url, HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en")
        body = partial.content.decode()
        assert "<main" not in body and 'id="job-status"' in body
        assert 'data-status="queued"' in body and "Waiting for a worker" in body

    def test_a_finished_job_stops_polling_and_offers_the_download(
        self, client, demo, member, done_job
    ):
        client.force_login(member(Role.REVIEWER))
        body = client.get(
            reverse("documents:job", args=[demo.slug, done_job.pk]), HTTP_HX_REQUEST="true"
        ).content.decode()
        assert "hx-trigger" not in body
        assert reverse("documents:download", args=[demo.slug, done_job.pk]) in body

    def test_a_failed_job_says_why(self, client, demo, member, queued_job):
        DocumentJob.objects.filter(pk=queued_job.pk).update(
            status=JobStatus.FAILED, error_code=JobError.TIMEOUT, error_detail="60 s"
        )
        client.force_login(member(Role.OWNER))
        body = client.get(
            reverse("documents:job", args=[demo.slug, queued_job.pk]), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
        assert 'data-testid="job-error"' in body and "Rendering took too long" in body
        assert "hx-trigger" not in body and "Try again" in body


class TestDownload:
    def test_it_sends_the_pdf_as_an_attachment_with_a_chinese_name(
        self, client, demo, member, done_job
    ):
        client.force_login(member(Role.OWNER))
        response = client.get(reverse("documents:download", args=[demo.slug, done_job.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment;") and "filename*=utf-8''" in disposition
        name = unquote(disposition.split("filename*=utf-8''")[1])
        assert name == f"算法安全自评估报告-示例新闻个性化推荐算法-{done_job.hash12}.pdf"
        assert b"".join(response.streaming_content).startswith(b"%PDF")

    @pytest.mark.parametrize("status", [JobStatus.QUEUED, JobStatus.RENDERING, JobStatus.FAILED])
    def test_an_unfinished_job_offers_nothing(self, client, demo, member, done_job, status):
        # Even with bytes already under its name (a write in progress), only "done" is served.
        DocumentJob.objects.filter(pk=done_job.pk).update(status=status)
        client.force_login(member(Role.OWNER))
        assert (
            client.get(reverse("documents:download", args=[demo.slug, done_job.pk])).status_code
            == 404
        )

    def test_a_file_that_is_not_the_one_recorded_is_not_served(
        self, client, demo, member, done_job
    ):
        default_storage.delete(done_job.file.name)
        default_storage.save(done_job.file.name, ContentFile(b"%PDF-1.7 trunc"))
        client.force_login(member(Role.OWNER))
        assert (
            client.get(reverse("documents:download", args=[demo.slug, done_job.pk])).status_code
            == 404
        )

    def test_a_superseded_file_is_gone(self, client, demo, member, done_job):
        DocumentJob.objects.filter(pk=done_job.pk).update(superseded_at=done_job.finished_at)
        client.force_login(member(Role.OWNER))
        assert (
            client.get(reverse("documents:download", args=[demo.slug, done_job.pk])).status_code
            == 404
        )


class TestAlgorithmPages:
    def test_the_algorithm_page_has_the_generate_menu_for_editors_only(
        self, client, demo, feed, member
    ):
        url = reverse("filings:algorithm", args=[demo.slug, feed.pk])
        generate = reverse("documents:generate", args=[demo.slug, feed.pk])
        client.force_login(member(Role.EDITOR))
        body = client.get(url).content.decode()
        assert 'data-testid="documents-menu"' in body and generate in body
        assert reverse("documents:algorithm", args=[demo.slug, feed.pk]) in body
        client.force_login(member(Role.VIEWER))
        body = client.get(url).content.decode()
        assert 'data-testid="documents-menu"' in body and generate not in body

    def test_the_documents_page_lists_each_document_with_its_latest_file(
        self, client, demo, feed, member, done_job
    ):
        client.force_login(member(Role.OWNER))
        body = client.get(
            reverse("documents:algorithm", args=[demo.slug, feed.pk])
        ).content.decode()
        for title in (
            "算法备案信息表",
            "算法安全自评估报告",
            "拟公示内容",
            "落实算法安全主体责任基本情况",
            "算法备案材料",
        ):
            assert title in body
        assert reverse("documents:download", args=[demo.slug, done_job.pk]) in body
        assert done_job.hash12 in body

    def test_the_documents_pages_show_the_current_digest_and_record_no_version(
        self, client, demo, feed, member, done_job
    ):
        from filings import snapshot
        from filings.models import Algorithm, SnapshotVersion

        client.force_login(member(Role.VIEWER))
        Algorithm.objects.filter(pk=feed.pk).update(summary="没有记录成版本的修改。")
        versions_before = SnapshotVersion.objects.count()
        current = snapshot.digest(snapshot.content(feed))
        body = client.get(
            reverse("documents:algorithm", args=[demo.slug, feed.pk])
        ).content.decode()
        assert current[:12] in body and current != done_job.snapshot_hash
        client.get(reverse("documents:job", args=[demo.slug, done_job.pk]))
        assert SnapshotVersion.objects.count() == versions_before
        assert DocumentJob.objects.count() == 1


@pytest.mark.django_db(transaction=True)
class TestBrokerDown:
    def test_the_filing_saves_and_generate_says_the_queue_is_unavailable(
        self, client, demo, feed, member, broker_down
    ):
        user = member(Role.OWNER)
        client.force_login(user)
        # Saving the filing's data (the wizard's autosave) needs no queue.
        from filings.wizard_forms import ProviderForm

        provider = feed.provider
        form = ProviderForm(instance=provider)
        data = {
            f"provider-{provider.pk}-{name}": "" if value is None else value
            for name, value in ((name, form.initial.get(name)) for name in form.fields)
        }
        data[f"provider-{provider.pk}-office_address"] = "北京市海淀区新地址1号"
        response = client.post(
            reverse("filings:panel-save", args=[demo.slug, "provider", provider.pk]),
            data,
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 200
        provider.refresh_from_db()
        assert provider.office_address == "北京市海淀区新地址1号"
        # Generating is refused with a message, not a 500, and quickly.
        started = time.monotonic()
        response = client.post(
            reverse("documents:generate", args=[demo.slug, feed.pk]),
            {"document": "report"},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert time.monotonic() - started < 10
        assert response.status_code == 200
        body = response.content.decode()
        assert "The task queue is unavailable" in body
        job = DocumentJob.objects.get()
        assert (job.status, job.error_code) == (JobStatus.FAILED, JobError.QUEUE_UNAVAILABLE)
        # The generate button says so too.
        page = client.get(
            reverse("filings:algorithm", args=[demo.slug, feed.pk]), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
        assert 'data-testid="queue-unavailable"' in page
