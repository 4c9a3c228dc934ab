import pytest
from django.urls import reverse

from filings.choices import FilingStatus
from filings.models import Algorithm, Attachment
from tests.factories import AlgorithmFactory, FilingFactory, ProviderFactory
from tests.filings.test_attachments import PDF, upload
from workspaces.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def algorithm(workspace):
    return AlgorithmFactory(provider=ProviderFactory(workspace=workspace), name="测试推荐算法")


class TestDashboard:
    def test_it_lists_the_workspaces_algorithms_with_their_status(
        self, client, owner, workspace, algorithm
    ):
        FilingFactory(algorithm=algorithm, status=FilingStatus.IN_REVIEW)
        AlgorithmFactory(name="别的工作区的算法")
        client.force_login(owner)
        response = client.get(
            reverse("filings:dashboard", args=[workspace.slug]), HTTP_ACCEPT_LANGUAGE="en"
        )
        body = response.content.decode()
        assert response.status_code == 200
        assert "测试推荐算法" in body and "In review" in body
        assert "别的工作区的算法" not in body

    def test_it_filters_by_type(self, client, owner, workspace, algorithm):
        AlgorithmFactory(provider=algorithm.provider, name="派单算法", type="dispatch_decision")
        client.force_login(owner)
        body = client.get(
            reverse("filings:dashboard", args=[workspace.slug]), {"type": "dispatch_decision"}
        ).content
        assert "派单算法" in body.decode() and "测试推荐算法" not in body.decode()

    def test_the_query_count_does_not_grow_with_the_algorithms(
        self, client, owner, workspace, algorithm, django_assert_num_queries
    ):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from filings import figures

        client.force_login(owner)
        url = reverse("filings:dashboard", args=[workspace.slug])
        figures.refresh([algorithm])  # as the commit would (filings.figures)
        client.get(url)  # warm the session
        with CaptureQueriesContext(connection) as few:
            client.get(url)
        for i in range(25):
            FilingFactory(algorithm=AlgorithmFactory(provider=algorithm.provider, name=f"算法{i}"))
        figures.refresh(Algorithm.objects.filter(workspace=workspace))
        with django_assert_num_queries(len(few)):
            client.get(url)


class TestTransitions:
    def test_an_editor_withdraws_a_filing_from_review(
        self, client, workspace, member_factory, algorithm
    ):
        filing = FilingFactory(algorithm=algorithm, status=FilingStatus.IN_REVIEW)
        client.force_login(member_factory(workspace, Role.EDITOR))
        url = reverse("filings:filing-transition", args=[workspace.slug, filing.pk])
        response = client.post(url, {"to": "draft"})
        assert response.status_code == 302
        filing.refresh_from_db()
        assert filing.status == FilingStatus.DRAFT

    def test_review_steps_go_through_the_review_page(self, client, owner, workspace, algorithm):
        filing = FilingFactory(algorithm=algorithm, status=FilingStatus.IN_REVIEW)
        client.force_login(owner)
        url = reverse("filings:filing-transition", args=[workspace.slug, filing.pk])
        for target in ("approved", "changes_requested"):
            response = client.post(url, {"to": target})
            assert response["Location"] == reverse(
                "reviews:review", args=[workspace.slug, filing.pk]
            )
        filing.refresh_from_db()
        assert filing.status == FilingStatus.IN_REVIEW

    def test_a_viewer_is_refused_with_a_message(self, client, workspace, member_factory, algorithm):
        filing = FilingFactory(algorithm=algorithm, status=FilingStatus.IN_REVIEW)
        client.force_login(member_factory(workspace, Role.VIEWER))
        url = reverse("filings:filing-transition", args=[workspace.slug, filing.pk])
        response = client.post(url, {"to": "draft"}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
        filing.refresh_from_db()
        assert filing.status == FilingStatus.IN_REVIEW
        assert "may not" in response.content.decode()

    def test_an_impossible_transition_is_explained(self, client, owner, workspace, algorithm):
        filing = FilingFactory(algorithm=algorithm)
        client.force_login(owner)
        url = reverse("filings:filing-transition", args=[workspace.slug, filing.pk])
        response = client.post(url, {"to": "cancelled"}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
        assert "cannot go from" in response.content.decode()
        filing.refresh_from_db()
        assert filing.status == FilingStatus.DRAFT

    def test_it_rejects_get(self, client, owner, workspace, algorithm):
        filing = FilingFactory(algorithm=algorithm)
        client.force_login(owner)
        assert (
            client.get(
                reverse("filings:filing-transition", args=[workspace.slug, filing.pk])
            ).status_code
            == 405
        )


class TestUpload:
    def url(self, workspace, algorithm):
        return reverse("filings:algorithm-upload", args=[workspace.slug, algorithm.pk])

    def test_an_editor_uploads_and_downloads_a_screenshot(
        self, client, workspace, member_factory, algorithm
    ):
        client.force_login(member_factory(workspace, Role.EDITOR))
        response = client.post(
            self.url(workspace, algorithm), {"slot": "screenshot", "file": upload("截图.pdf", PDF)}
        )
        assert response.status_code == 302
        attachment = Attachment.objects.get()
        download = client.get(reverse("filings:attachment", args=[workspace.slug, attachment.pk]))
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == PDF
        assert download["Content-Type"] == "application/pdf"
        assert "attachment" in download["Content-Disposition"]

    @pytest.mark.parametrize("role", [Role.VIEWER, Role.REVIEWER])
    def test_read_only_roles_may_not_upload(
        self, client, workspace, member_factory, algorithm, role
    ):
        client.force_login(member_factory(workspace, role))
        response = client.post(
            self.url(workspace, algorithm), {"slot": "screenshot", "file": upload("a.pdf", PDF)}
        )
        assert response.status_code == 403
        assert not Attachment.objects.exists()

    def test_a_disguised_file_is_refused_next_to_the_field(
        self, client, owner, workspace, algorithm
    ):
        client.force_login(owner)
        response = client.post(
            self.url(workspace, algorithm),
            {
                "slot": "screenshot",
                "file": upload("a.png", b"MZ\x90\x00 not an image", "image/png"),
                "description": "首页截图",
            },
            HTTP_ACCEPT_LANGUAGE="en",
        )
        body = response.content.decode()
        assert response.status_code == 400
        assert "not a PDF, JPEG or PNG" in body
        assert "首页截图" in body  # what was typed is kept
        assert not Attachment.objects.exists()

    def test_a_provider_slot_is_not_offered_on_an_algorithm(
        self, client, owner, workspace, algorithm
    ):
        client.force_login(owner)
        response = client.post(
            self.url(workspace, algorithm), {"slot": "licence_scan", "file": upload("a.pdf", PDF)}
        )
        assert response.status_code == 400
        assert not Attachment.objects.exists()

    def test_a_missing_file_is_reported(self, client, owner, workspace, algorithm):
        client.force_login(owner)
        response = client.post(
            self.url(workspace, algorithm), {"slot": "screenshot"}, HTTP_ACCEPT_LANGUAGE="en"
        )
        assert response.status_code == 400 and "This field is required" in response.content.decode()


class TestNewAlgorithm:
    def url(self, workspace):
        return reverse("filings:algorithm-create", args=[workspace.slug])

    def test_an_empty_workspace_gets_a_provider_and_an_algorithm(self, client, owner, workspace):
        client.force_login(owner)
        response = client.post(self.url(workspace))
        algorithm = Algorithm.objects.get(workspace=workspace)
        assert response["Location"] == reverse(
            "filings:wizard", args=[workspace.slug, algorithm.pk, "entity"]
        )
        assert algorithm.filings.get().status == FilingStatus.DRAFT
        assert algorithm.provider.workspace == workspace

    def test_the_chosen_provider_is_used(self, client, owner, workspace):
        first, second = ProviderFactory(workspace=workspace), ProviderFactory(workspace=workspace)
        client.force_login(owner)
        client.post(self.url(workspace), {"provider": second.pk})
        assert Algorithm.objects.get(workspace=workspace).provider == second
        client.post(self.url(workspace))
        assert Algorithm.objects.filter(provider=first).count() == 1

    def test_another_workspaces_provider_is_404(self, client, owner, workspace):
        client.force_login(owner)
        assert (
            client.post(self.url(workspace), {"provider": ProviderFactory().pk}).status_code == 404
        )
        assert client.post(self.url(workspace), {"provider": "abc"}).status_code == 404
        assert not Algorithm.objects.filter(workspace=workspace).exists()

    @pytest.mark.parametrize("role", [Role.VIEWER, Role.REVIEWER])
    def test_read_only_roles_cannot_start_one(self, client, workspace, member_factory, role):
        client.force_login(member_factory(workspace, role))
        assert client.post(self.url(workspace)).status_code == 403

    def test_it_needs_post_and_login(self, client, owner, workspace):
        assert client.post(self.url(workspace)).status_code == 302
        client.force_login(owner)
        assert client.get(self.url(workspace)).status_code == 405
