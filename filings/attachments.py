"""Storing uploaded files: the type is read from the bytes, never from the
name or the browser's claim, and the size is limited before anything is
stored."""

from __future__ import annotations

import hashlib

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .choices import AttachmentSlot
from .models import Algorithm, Attachment, Provider, name_for_type

# The portal takes scans as JPG, PNG or PDF (portal-details.md §2).
SCAN_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})
ALLOWED_TYPES: dict[str, frozenset[str]] = {slot: SCAN_TYPES for slot in AttachmentSlot.values}


def sniff_content_type(head: bytes) -> str | None:
    kind = filetype.guess(head)
    return kind.mime if kind else None


def validate_upload(uploaded: File, slot: str) -> str:
    """Return the sniffed content type, or raise ValidationError saying what is wrong."""
    limit = settings.ATTACHMENT_MAX_BYTES
    if uploaded.size is not None and uploaded.size > limit:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(uploaded.size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    if not uploaded.size:
        raise ValidationError(_("The file is empty."), code="empty")
    uploaded.seek(0)
    head = uploaded.read(8192)
    uploaded.seek(0)
    content_type = sniff_content_type(head)
    if content_type not in ALLOWED_TYPES[slot]:
        raise ValidationError(
            _("This file is not a PDF, JPEG or PNG (its content reads as %(type)s).")
            % {"type": content_type or _("unknown")},
            code="content_type",
        )
    return content_type


def _sha256(uploaded: File) -> str:
    digest = hashlib.sha256()
    uploaded.seek(0)
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return digest.hexdigest()


@transaction.atomic
def attachment_create(
    *,
    slot: str,
    uploaded: File,
    provider: Provider | None = None,
    algorithm: Algorithm | None = None,
    description: str = "",
    assessment_item: str = "",
    by=None,
) -> Attachment:
    owner = algorithm or provider
    if owner is None:
        raise ValidationError(_("An attachment belongs to a provider or to an algorithm."))
    content_type = validate_upload(uploaded, slot)
    name = getattr(uploaded, "name", "") or "upload"
    attachment = Attachment(
        workspace_id=owner.workspace_id,
        slot=slot,
        provider=provider,
        algorithm=algorithm,
        original_name=name_for_type(name, content_type),
        content_type=content_type,
        size=uploaded.size,
        sha256=_sha256(uploaded),
        description=description,
        assessment_item=assessment_item,
        uploaded_by=by,
    )
    attachment.file.save(attachment.original_name, uploaded, save=False)
    try:
        attachment.full_clean()
        attachment.save()
    except Exception:
        # Leave no orphan file behind when the row is refused.
        attachment.file.delete(save=False)
        raise
    return attachment
