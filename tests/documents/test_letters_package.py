"""The package as the submission (issue 12 items 2 and 3): the 承诺书 and the
工作证明 with their per-workspace wording, the materials contents page, the
uploaded images in the report, and the submission bundle."""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from documents import texts
from documents.models import DocumentJob, DocumentText, JobStatus
from documents.render import FetchRefused, make_fetcher, render
from documents.services import attachment_reader, job_request, prepare, text_save
from filings.attachments import attachment_create
from tests.factories import AlgorithmFactory, MembershipFactory, ProviderFactory, UserFactory
from tests.readonly import no_writes
from workspaces.models import AuditLog, Role

pytestmark = pytest.mark.django_db


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _png(size=(600, 400), color=(200, 220, 255)) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, color)
    draw = ImageDraw.Draw(image)
    draw.rectangle([10, 10, size[0] - 10, size[1] - 10], outline=(0, 0, 0), width=4)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _render(algorithm, document):
    prepared = prepare(algorithm)
    return render(
        prepared.snapshot,
        document,
        context=prepared.context,
        fetcher=prepared.fetcher(algorithm.workspace_id),
    )


def _images(data: bytes, tmp_path) -> list[dict]:
    """pdfimages -list: one row per image drawn (page, width, height)."""
    tool = shutil.which("pdfimages")
    if tool is None:
        pytest.fail("pdfimages is missing: install Debian's poppler-utils")
    path = tmp_path / "images.pdf"
    path.write_bytes(data)
    out = subprocess.run(
        [tool, "-list", str(path)], check=True, capture_output=True, timeout=60
    ).stdout.decode()
    rows = []
    for line in out.splitlines()[2:]:
        parts = line.split()
        if len(parts) > 4 and parts[2] == "image":
            rows.append({"page": int(parts[0]), "width": int(parts[3]), "height": int(parts[4])})
    return rows


@pytest.fixture
def member(demo):
    def make(role, workspace=None):
        user = UserFactory()
        MembershipFactory(workspace=workspace or demo, user=user, role=role)
        return user

    return make


# ---------------------------------------------------------------------------
# The letters
# ---------------------------------------------------------------------------


class TestLetters:
    def test_the_commitment_letter_names_the_provider_and_makes_the_three_commitments(
        self, feed, pdf
    ):
        provider = feed.provider
        text = _flat(pdf.text(_render(feed, "commitment")))
        assert "算法备案承诺书" in text
        assert _flat(provider.name) in text and provider.uscc in text
        assert provider.legal_rep_name in text and provider.officer_name in text
        # The three commitments, in substance (portal-details.md §3.2).
        assert "准确、真实、合法、有效" in text
        assert "十个工作日内" in text and "二十个工作日内" in text and "注销" in text
        assert "不代表对本单位" in text and "广告宣传" in text
        assert "法定代表人（签字）" in text and "算法安全负责人（签字）" in text
        assert "（盖章处）" in text and "日期" in text

    def test_the_officer_proof_names_the_person_the_post_and_the_duties(self, feed, pdf):
        provider = feed.provider
        text = _flat(pdf.text(_render(feed, "officer_proof")))
        assert "算法安全责任人工作证明" in text
        assert provider.officer_name in text and _flat(provider.officer_position) in text
        assert "主要职责" in text and "特此证明" in text and "（盖章处）" in text
        assert "{" not in text and "________" not in text

    def test_the_workspaces_wording_is_printed_with_the_placeholders_filled(self, feed, pdf):
        text_save(
            workspace=feed.workspace,
            kind="commitment",
            text="我单位{provider_name}承诺遵守{{规定}}。<b>不是标记</b>",
            by=None,
        )
        text = _flat(pdf.text(_render(feed, "commitment")))
        assert f"我单位{_flat(feed.provider.name)}承诺遵守{{规定}}。<b>不是标记</b>" in text
        assert "十个工作日内" not in text

    def test_a_letter_without_the_data_leaves_a_blank_to_fill_by_hand(self):
        paragraphs = texts.filled_paragraphs("officer_proof", None, {"officer_name": ""})
        assert "________" in paragraphs[0]

    def test_both_letters_are_in_the_package(self, feed, pdf):
        text = _flat(pdf.text(_render(feed, "package")))
        assert "算法备案承诺书" in text and "十个工作日内" in text
        assert "算法安全责任人工作证明" in text and "特此证明" in text


class TestPlaceholders:
    @pytest.mark.parametrize(
        "text",
        [
            "{evil}",
            "{provider_name.__class__}",
            "{provider_name[0]}",
            "{provider_name!r}",
            "{provider_name:>99999}",
            "{0}",
            "{}",
            "unbalanced { brace",
            "unbalanced } brace",
        ],
    )
    def test_anything_but_a_bare_known_name_is_refused(self, text):
        with pytest.raises(texts.ValidationError):
            texts.validate(text)

    def test_known_names_and_doubled_braces_pass(self):
        assert texts.validate(" {provider_name}：{{原文}} ") == "{provider_name}：{{原文}}"
        assert texts.fill("{provider_name}：{{原文}}", {"provider_name": "甲"}) == "甲：{原文}"

    def test_a_stored_text_that_does_not_pass_falls_back_to_the_default(self):
        paragraphs = texts.filled_paragraphs("commitment", "{evil}", {"provider_name": "甲"})
        assert any("十个工作日内" in p for p in paragraphs)


class TestTextPage:
    def _url(self, demo, kind="commitment"):
        return reverse("documents:text", args=[demo.slug, kind])

    def test_an_owner_edits_the_wording_and_the_next_document_uses_it(
        self, client, demo, feed, member, django_capture_on_commit_callbacks
    ):
        client.force_login(member(Role.OWNER))
        with no_writes():
            page = client.get(self._url(demo))
        assert page.status_code == 200
        assert "十个工作日内" in page.content.decode()  # the default, to start from
        with django_capture_on_commit_callbacks(execute=True):
            before = job_request(algorithm=feed, document="commitment", user=None)
        response = client.post(self._url(demo), {"text": "兹承诺：{provider_name}。"})
        assert response.status_code == 302
        row = DocumentText.objects.get(workspace=demo, kind="commitment")
        assert row.text == "兹承诺：{provider_name}。"
        page = client.get(response["Location"]).content.decode()
        assert "兹承诺：{provider_name}。" in page
        # The same data with other wording is another document: not the old job reused.
        with django_capture_on_commit_callbacks(execute=True):
            after = job_request(algorithm=feed, document="commitment", user=None)
        assert after.pk != before.pk
        assert after.supplements["texts"] == {"commitment": row.text}
        # Restoring the default removes the workspace's own text.
        client.post(self._url(demo), {"text": "whatever", "reset": "on"})
        assert not DocumentText.objects.filter(workspace=demo).exists()

    def test_an_unknown_placeholder_is_refused_with_a_message(self, client, demo, member):
        client.force_login(member(Role.OWNER))
        response = client.post(self._url(demo, "officer_proof"), {"text": "兹证明{evil}同志"})
        assert response.status_code == 200
        body = response.content.decode()
        assert 'data-testid="text-error"' in body and "{evil}" in body
        assert "{officer_name}" in body  # the allowed ones are named
        assert "兹证明{evil}同志" in body  # what was typed is kept
        assert not DocumentText.objects.filter(workspace=demo).exists()

    @pytest.mark.parametrize("role", [Role.EDITOR, Role.REVIEWER, Role.VIEWER])
    def test_other_roles_get_403(self, client, demo, member, role):
        client.force_login(member(role))
        assert client.get(self._url(demo)).status_code == 403
        assert client.post(self._url(demo), {"text": "x"}).status_code == 403
        assert not DocumentText.objects.filter(workspace=demo).exists()

    def test_another_workspace_is_404_and_unknown_kinds_too(self, client, demo, member):
        stranger = UserFactory()
        MembershipFactory(user=stranger, role=Role.OWNER)  # owner elsewhere
        client.force_login(stranger)
        assert client.get(self._url(demo)).status_code == 404
        assert client.post(self._url(demo), {"text": "x"}).status_code == 404
        client.force_login(member(Role.OWNER))
        assert client.get(self._url(demo, "report")).status_code == 404
        assert client.get(self._url(demo, "package")).status_code == 404

    def test_anonymous_users_are_sent_to_log_in(self, client, demo):
        response = client.get(self._url(demo))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    def test_each_workspace_has_its_own_wording(self, demo, feed, pdf):
        other = AlgorithmFactory(provider=ProviderFactory())
        text_save(workspace=other.workspace, kind="commitment", text="别处的承诺", by=None)
        text = _flat(pdf.text(_render(feed, "commitment")))
        assert "别处的承诺" not in text and "十个工作日内" in text


# ---------------------------------------------------------------------------
# The materials, the images, the fetcher
# ---------------------------------------------------------------------------


@pytest.fixture
def uploads(feed):
    """A licence scan (PDF), a flowchart and an evidence screenshot of the first item (PNG),
    in place of the demo's sample uploads."""
    from django.db.models import Q

    from filings.models import Attachment

    Attachment.objects.filter(Q(algorithm=feed) | Q(provider=feed.provider)).delete()
    items = prepare(feed).context["items"]
    flow = _png((800, 500))
    shot = _png((300, 600), (255, 230, 200))
    made = {
        "licence": attachment_create(
            slot="licence_scan",
            uploaded=SimpleUploadedFile("执照.pdf", PDF_BYTES),
            provider=feed.provider,
        ),
        "flowchart": attachment_create(
            slot="flowchart", uploaded=SimpleUploadedFile("flow.png", flow), algorithm=feed
        ),
        "evidence": attachment_create(
            slot="screenshot",
            uploaded=SimpleUploadedFile("switch.png", shot),
            algorithm=feed,
            assessment_item=items[0]["id"],
        ),
    }
    return made


class TestPackage:
    def test_the_contents_page_lists_each_material_with_its_status(self, feed, uploads, pdf):
        pages = pdf.pages(_render(feed, "package"))
        contents = next(_flat(p) for p in pages if "材料清单" in p and "序号" in p)
        # Uploaded: file name and the SHA-256 prefix.
        assert "营业执照" in contents
        assert "执照.pdf" in contents and uploads["licence"].sha256[:12] in contents
        assert "flow.png" in contents and uploads["flowchart"].sha256[:12] in contents
        # Generated here; generated and to be signed; still to upload.
        assert "已包含（第二部分）" in contents  # the self-assessment report
        assert "签字盖章后上传扫描件" in contents  # the 承诺书
        assert "法定代表人身份证件复印件" in contents and "待上传" in contents
        assert "已上传" in contents

    def test_the_flowchart_and_the_evidence_are_images_in_the_report(
        self, feed, uploads, pdf, tmp_path
    ):
        data = _render(feed, "package")
        sizes = {(row["width"], row["height"]) for row in _images(data, tmp_path)}
        assert (800, 500) in sizes and (300, 600) in sizes
        text = _flat(pdf.text(data))
        assert "图1算法流程图（flow.png）" in text
        assert "图2第1项评估事项佐证（switch.png）" in text
        # The flowchart sits in 一、算法情况, before 二、服务情况; the evidence in 四.
        body = text[text.index("真实性声明") :]  # the report's body, after the contents
        assert body.index("一、算法情况") < body.index("图1算法流程图") < body.index("二、服务情况")
        assert (
            body.index("四、风险防控情况") < body.index("图2第1项") < body.index("五、安全评估结论")
        )

    def test_the_report_alone_carries_the_images_too(self, feed, uploads, tmp_path):
        assert len(_images(_render(feed, "report"), tmp_path)) == 2

    def test_a_rendered_job_embeds_the_images(
        self, feed, uploads, django_capture_on_commit_callbacks, tmp_path
    ):
        from django.core.files.storage import default_storage

        with django_capture_on_commit_callbacks(execute=True):
            job = job_request(algorithm=feed, document="report", user=None)
        job.refresh_from_db()
        assert job.status == JobStatus.DONE, job.error_detail
        with default_storage.open(job.file.name, "rb") as handle:
            assert len(_images(handle.read(), tmp_path)) == 2


class TestFetcher:
    def test_it_serves_the_versions_attachments_and_nothing_else(self, feed, uploads):
        listed = prepare(feed).attachments
        fetcher = make_fetcher(attachment_reader(feed.workspace_id, listed))
        base = "https://documents.suanbei.invalid/attachments/"
        image = uploads["flowchart"].sha256
        response = fetcher.fetch(base + image)
        assert response.headers["Content-Type"] == "image/png"
        # A PDF attachment of the version is not an image.
        with pytest.raises(FetchRefused):
            fetcher.fetch(base + uploads["licence"].sha256)
        # An attachment of the workspace that this version does not list.
        other = attachment_create(
            slot="other", uploaded=SimpleUploadedFile("x.png", _png((50, 50))), algorithm=feed
        )
        for url in (
            base + other.sha256,
            base + "0" * 64,
            base + image.upper(),
            base + image + "?x=1",
            base + "../../settings.py",
            "https://documents.suanbei.invalid/attachments/%2e%2e/" + image,
            "file:///etc/passwd",
        ):
            with pytest.raises(FetchRefused):
                fetcher.fetch(url)
        # Without a reader (the default fetcher) no attachment at all.
        with pytest.raises(FetchRefused):
            make_fetcher().fetch(base + image)

    def test_another_workspaces_file_with_the_same_digest_is_not_read(self, feed):
        other = AlgorithmFactory(provider=ProviderFactory())
        theirs = attachment_create(
            slot="flowchart", uploaded=SimpleUploadedFile("f.png", _png((60, 60))), algorithm=other
        )
        read = attachment_reader(feed.workspace_id, [{"sha256": theirs.sha256}])
        assert read(theirs.sha256) is None


# ---------------------------------------------------------------------------
# The submission bundle
# ---------------------------------------------------------------------------


@pytest.fixture
def package_job(feed, uploads, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_request(algorithm=feed, document="package", user=None)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error_detail
    return job


class TestBundle:
    def _url(self, demo, job):
        return reverse("documents:bundle", args=[demo.slug, job.pk])

    def test_the_zip_holds_the_package_and_the_originals_under_the_portals_names(
        self, client, demo, feed, member, package_job, uploads
    ):
        user = member(Role.EDITOR)
        client.force_login(user)
        with no_writes():  # the audit entry is the one write a read may do
            response = client.get(self._url(demo, package_job))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/zip"
        assert response["Cache-Control"] == "private, no-store"
        assert ".zip" in response["Content-Disposition"]
        archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
        names = archive.namelist()
        assert names[0] == package_job.download_name()
        assert archive.read(names[0]).startswith(b"%PDF")
        assert "01-营业执照.pdf" in names
        assert "02-算法流程图.png" in names and "03-评估佐证截图.png" in names
        assert (
            hashlib.sha256(archive.read("01-营业执照.pdf")).hexdigest() == uploads["licence"].sha256
        )
        entry = AuditLog.objects.get(workspace=demo, user=user)
        assert entry.object_type == "provider" and entry.object_id == feed.provider_id
        assert "legal_rep_id_copy" in entry.fields

    def test_viewers_get_403_and_nothing_is_recorded(self, client, demo, member, package_job):
        client.force_login(member(Role.VIEWER))
        assert client.get(self._url(demo, package_job)).status_code == 403
        assert not AuditLog.objects.filter(workspace=demo).exists()

    def test_another_workspace_gets_404(self, client, demo, package_job):
        stranger = UserFactory()
        membership = MembershipFactory(user=stranger, role=Role.OWNER)
        client.force_login(stranger)
        assert client.get(self._url(demo, package_job)).status_code == 404
        own = reverse("documents:bundle", args=[membership.workspace.slug, package_job.pk])
        assert client.get(own).status_code == 404

    def test_only_a_finished_package_has_a_bundle(
        self, client, demo, feed, member, django_capture_on_commit_callbacks
    ):
        client.force_login(member(Role.OWNER))
        with django_capture_on_commit_callbacks(execute=True):
            report = job_request(algorithm=feed, document="report", user=None)
        assert client.get(self._url(demo, report)).status_code == 404
        with django_capture_on_commit_callbacks():  # never run: still queued
            queued = job_request(algorithm=feed, document="package", user=None)
        assert DocumentJob.objects.get(pk=queued.pk).status == JobStatus.QUEUED
        assert client.get(self._url(demo, queued)).status_code == 404

    def test_the_documents_page_links_the_bundle_and_the_wording(
        self, client, demo, feed, member, package_job
    ):
        client.force_login(member(Role.OWNER))
        page = client.get(reverse("documents:algorithm", args=[demo.slug, feed.pk])).content
        assert self._url(demo, package_job).encode() in page
        assert reverse("documents:text", args=[demo.slug, "commitment"]).encode() in page
        client.force_login(member(Role.EDITOR))
        page = client.get(reverse("documents:algorithm", args=[demo.slug, feed.pk])).content
        assert reverse("documents:text", args=[demo.slug, "commitment"]).encode() not in page


def test_a_signed_scan_uploaded_after_the_package_gives_a_new_package_that_lists_it(
    feed, uploads, django_capture_on_commit_callbacks, pdf
):
    from django.core.files.storage import default_storage

    with django_capture_on_commit_callbacks(execute=True):
        first = job_request(algorithm=feed, document="package", user=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert job_request(algorithm=feed, document="package", user=None).pk == first.pk
    scan = attachment_create(
        slot="commitment_letter",
        uploaded=SimpleUploadedFile("承诺书盖章.pdf", PDF_BYTES + b"%signed\n"),
        provider=feed.provider,
    )
    with django_capture_on_commit_callbacks(execute=True):
        second = job_request(algorithm=feed, document="package", user=None)
    second.refresh_from_db()
    # The scan is no content: same version, yet another file, which lists the scan.
    assert second.pk != first.pk and second.snapshot_hash == first.snapshot_hash
    with default_storage.open(second.file.name, "rb") as handle:
        text = _flat(pdf.text(handle.read()))
    assert "承诺书盖章.pdf" in text and scan.sha256[:12] in text


def test_the_job_page_of_a_package_links_its_bundle(client, demo, member, package_job):
    client.force_login(member(Role.REVIEWER))
    page = client.get(reverse("documents:job", args=[demo.slug, package_job.pk])).content
    assert reverse("documents:bundle", args=[demo.slug, package_job.pk]).encode() in page
