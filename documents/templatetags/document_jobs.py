import datetime as dt

from django import template
from django.urls import reverse
from django.utils import timezone

from workspaces.permissions import Capability

from .. import access as variants
from ..models import DocumentJob, JobError, JobStatus, document_kinds

register = template.Library()

# A queue failure older than this no longer says anything about the queue now.
QUEUE_PROBLEM_WINDOW = dt.timedelta(minutes=10)


@register.simple_tag
def document_menu(algorithm, access) -> dict:
    """What the generate button of an algorithm's page offers (documents/_generate.html)."""
    last = (
        DocumentJob.objects.filter(algorithm=algorithm)
        .order_by("-pk")
        .only("status", "error_code", "finished_at")
        .first()
    )
    queue_down = (
        last is not None
        and last.status == JobStatus.FAILED
        and last.error_code == JobError.QUEUE_UNAVAILABLE
        and last.finished_at is not None
        and last.finished_at > timezone.now() - QUEUE_PROBLEM_WINDOW
    )
    return {
        "kinds": document_kinds(),
        "may_generate": access is not None and access.may(Capability.GENERATE_DOCUMENTS),
        "queue_down": queue_down,
    }


@register.inclusion_tag("documents/_status_badge.html")
def job_status_badge(job):
    return {"job": job}


@register.simple_tag
def job_links(job, access) -> dict | None:
    """The download links of a finished job this member may have (documents.access):
    {"pdf": url, "bundle": url or "", "full": whether they carry the numbers in
    full, "reveal": whether the member asks for that explicitly}; None without any."""
    mode = variants.download_mode(access, masked=job.masked)
    if mode is None or not job.is_downloadable:
        return None
    query = f"?{variants.FULL_PARAM}={variants.FULL_VALUE}" if mode == variants.REVEAL else ""
    slug = access.workspace.slug
    bundle = ""
    if job.document == "package" and not job.masked:
        bundle = reverse("documents:bundle", args=[slug, job.pk]) + query
    return {
        "pdf": reverse("documents:download", args=[slug, job.pk]) + query,
        "bundle": bundle,
        "full": not job.masked,
        "reveal": mode == variants.REVEAL,
    }
