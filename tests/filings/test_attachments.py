import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from filings.attachments import attachment_create
from filings.choices import AttachmentSlot
from filings.models import Attachment
from tests.factories import AlgorithmFactory, ProviderFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.mark.parametrize(
    ("content", "mime"), [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg")]
)
def test_it_stores_scans_with_the_sniffed_type(content, mime):
    provider = ProviderFactory()
    attachment = attachment_create(
        slot=AttachmentSlot.LICENCE_SCAN, uploaded=upload("执照.bin", content), provider=provider
    )
    assert attachment.content_type == mime
    assert attachment.size == len(content)
    # The name takes the extension of the type read from the bytes.
    assert attachment.original_name == "执照." + {"application/pdf": "pdf", "image/png": "png"}.get(
        mime, "jpg"
    )
    assert attachment.workspace_id == provider.workspace_id
    assert attachment.file.read() == content
    assert len(attachment.sha256) == 64


def test_the_browser_claim_and_the_name_are_ignored():
    algorithm = AlgorithmFactory()
    fake = upload("screenshot.png", b"<html><script>alert(1)</script></html>", "image/png")
    with pytest.raises(ValidationError) as info:
        attachment_create(slot=AttachmentSlot.SCREENSHOT, uploaded=fake, algorithm=algorithm)
    assert info.value.code == "content_type"
    assert Attachment.objects.count() == 0


def test_an_oversized_file_is_refused_before_it_is_stored(settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    provider = ProviderFactory()
    big = upload("big.pdf", PDF + b"0" * 2048)
    with pytest.raises(ValidationError) as info:
        attachment_create(slot=AttachmentSlot.LICENCE_SCAN, uploaded=big, provider=provider)
    assert info.value.code == "too_large"
    assert Attachment.objects.count() == 0


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationError) as info:
        attachment_create(
            slot=AttachmentSlot.LICENCE_SCAN,
            uploaded=upload("a.pdf", b""),
            provider=ProviderFactory(),
        )
    assert info.value.code == "empty"


def test_an_attachment_needs_an_owner():
    with pytest.raises(ValidationError):
        attachment_create(slot=AttachmentSlot.LICENCE_SCAN, uploaded=upload("a.pdf", PDF))


def test_the_stored_name_is_not_the_uploaded_name():
    attachment = attachment_create(
        slot=AttachmentSlot.LICENCE_SCAN,
        uploaded=upload("../../etc/passwd.pdf", PDF),
        provider=ProviderFactory(),
    )
    assert "passwd" not in attachment.file.name and ".." not in attachment.file.name
    assert attachment.file.name.startswith(f"attachments/{attachment.workspace_id}/")
    assert io.BytesIO(attachment.file.read()).read() == PDF
