"""The PDF documents of a filing, each produced by a render job.

A job names the version of the algorithm's content (filings.snapshot,
recorded by filings.versions) current when it was requested; the worker
renders from that version's frozen data only and prints its digest, so the
file always matches the digest printed on its pages, however the data
changes meanwhile, and the PDF of an approved filing carries the digest the
approval stands for.

A job renders one of two variants: with the personal numbers in full (the
copy that is signed and submitted) or masked (`masked`: a review copy, for
those who do not see them in full; workspaces.permissions). The variant is
part of everything that tells jobs apart: the reuse lookup, the file's name,
the cleanup of superseded files.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from filings.models import Algorithm, WorkspaceOwned


class DocumentKind(models.TextChoices):
    FORM = "form", _("Filing information form")
    REPORT = "report", _("Algorithm security self-assessment report")
    DISCLOSURE = "disclosure", _("Content for public disclosure")
    RESPONSIBILITY = "responsibility", _("Implementation of algorithm security responsibility")
    COMMITMENT = "commitment", _("Algorithm filing commitment letter")
    OFFICER_PROOF = "officer_proof", _("Security officer employment proof")
    PACKAGE = "package", _("Complete filing package")


# The CAC's own names of the documents; they also head the PDFs and name the files.
TITLES_ZH = {
    DocumentKind.FORM: "算法备案信息表",
    DocumentKind.REPORT: "算法安全自评估报告",
    DocumentKind.DISCLOSURE: "拟公示内容",
    DocumentKind.RESPONSIBILITY: "落实算法安全主体责任基本情况",
    DocumentKind.COMMITMENT: "算法备案承诺书",
    DocumentKind.OFFICER_PROOF: "算法安全责任人工作证明",
    DocumentKind.PACKAGE: "算法备案材料",
}


# What a masked copy calls itself (its pages, its file name).
REVIEW_COPY_ZH = "审阅副本"


def document_kinds() -> list[dict]:
    return [
        {"code": kind.value, "label": kind.label, "title_zh": TITLES_ZH[kind]}
        for kind in DocumentKind
    ]


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RENDERING = "rendering", _("Rendering")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class JobError(models.TextChoices):
    QUEUE_UNAVAILABLE = "queue_unavailable", _("The task queue is unavailable")
    TIMEOUT = "timeout", _("Rendering took too long")
    INTERRUPTED = "interrupted", _("Rendering was interrupted too often")
    RENDER = "render", _("The document could not be rendered")
    STORAGE = "storage", _("The file could not be stored")


ACTIVE_STATUSES = frozenset({JobStatus.QUEUED, JobStatus.RENDERING})


class DocumentJob(WorkspaceOwned):
    algorithm = models.ForeignKey(
        Algorithm,
        on_delete=models.CASCADE,
        related_name="document_jobs",
        verbose_name=_("algorithm"),
    )
    document = models.CharField(_("document"), max_length=16, choices=DocumentKind.choices)
    bilingual = models.BooleanField(_("English labels"), default=False)
    # ID and mobile numbers masked (filings.pii.mask_snapshot): a review copy, never submitted.
    masked = models.BooleanField(_("personal numbers masked"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    # The version rendered; its data is what the worker renders, its digest what the pages print.
    snapshot_version = models.ForeignKey(
        "filings.SnapshotVersion",
        on_delete=models.RESTRICT,
        null=True,  # jobs requested before versions existed
        blank=True,
        related_name="+",
        verbose_name=_("data version"),
    )
    # = snapshot_version.digest, kept on the row for the reuse lookup and file names.
    snapshot_hash = models.CharField(_("SHA-256 of the snapshot"), max_length=64)
    # What the document prints beside the content (filings.snapshot.lifecycle at the
    # request): whether it is the approved/filed version, the filing's kind, status, number.
    lifecycle = models.JSONField(_("filing status printed"), default=dict, blank=True)
    version = models.PositiveIntegerField(_("version"))
    # What the snapshot lacks (catalogue texts, regulation titles), gathered once
    # by the worker before it renders, so that a re-run renders the same thing.
    context = models.JSONField(_("render context"), default=dict, blank=True)
    # What the document prints beyond the version, as at the request: the workspace's
    # wording of the letters ("texts": kind -> text, documents.texts) and the signed and
    # sealed scans uploaded ("formalities": slot, name, sha256; filings.snapshot.formalities),
    # which are not part of the approved content. A job is reused only when these match too.
    supplements = models.JSONField(_("letter wording and scans"), default=dict, blank=True)
    file = models.FileField(_("file"), upload_to="documents/", max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), null=True, blank=True)
    error_code = models.CharField(_("error"), max_length=24, choices=JobError.choices, blank=True)
    error_detail = models.TextField(_("error detail"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # "host:pid" of the process rendering it, to tell a crashed worker from a slow one.
    claimed_by = models.CharField(_("claimed by"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Set when a newer file replaced this one and the periodic cleanup removed it.
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("document job")
        verbose_name_plural = _("document jobs")
        indexes = [
            models.Index(
                fields=["algorithm", "document", "snapshot_hash"], name="document_job_lookup"
            ),
            models.Index(fields=["status"], name="document_job_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_document_display()} · {self.hash12} · {self.get_status_display()}"

    @property
    def hash12(self) -> str:
        return self.snapshot_hash[:12]

    @property
    def title_zh(self) -> str:
        return TITLES_ZH[DocumentKind(self.document)]

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_downloadable(self) -> bool:
        # Only a finished job names a file: the name is written in the same
        # UPDATE that marks the job done, after the bytes are complete.
        return self.status == JobStatus.DONE and bool(self.file.name) and self.superseded_at is None

    def snapshot_data(self) -> dict:
        """The snapshot rendered: the frozen version's, without lifecycle records."""
        if self.snapshot_version_id is None:
            return {}
        return self.snapshot_version.data.get("snapshot") or {}

    def algorithm_name(self) -> str:
        try:
            return self.snapshot_data()["providers"][0]["algorithms"][0].get("name") or ""
        except (LookupError, AttributeError, TypeError):
            return ""

    def download_name(self) -> str:
        """e.g. 算法安全自评估报告-示例新闻个性化推荐算法-1a2b3c4d5e6f.pdf"""
        name = re.sub(r"[^\w\-（）()·]+", "_", self.algorithm_name()).strip("_")[:60]
        parts = [self.title_zh, name or "未命名算法", self.hash12]
        if self.bilingual:
            parts.append("zh-en")
        if self.masked:
            parts.append(REVIEW_COPY_ZH)
        return "-".join(parts) + ".pdf"

    def file_name(self) -> str:
        """Where the worker stores the file: one name per job, so a re-run overwrites its own file only."""
        suffix = ("-zh-en" if self.bilingual else "") + ("-masked" if self.masked else "")
        return (
            f"documents/{self.workspace_id}/{self.algorithm_id}/"
            f"{self.pk}-{self.document}-{self.hash12}{suffix}.pdf"
        )


class DocumentText(WorkspaceOwned):
    """A workspace's own wording of a generated letter (documents.texts);
    without a row the shipped default applies."""

    class Kind(models.TextChoices):
        COMMITMENT = DocumentKind.COMMITMENT.value, DocumentKind.COMMITMENT.label
        OFFICER_PROOF = DocumentKind.OFFICER_PROOF.value, DocumentKind.OFFICER_PROOF.label

    kind = models.CharField(_("document"), max_length=16, choices=Kind.choices)
    text = models.TextField(_("text"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["kind"]
        verbose_name = _("letter wording")
        verbose_name_plural = _("letter wordings")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "kind"], name="document_text_per_workspace"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.workspace_id}"
