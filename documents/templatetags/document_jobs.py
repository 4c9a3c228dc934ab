import datetime as dt

from django import template
from django.utils import timezone

from ..access import may_generate
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
        "may_generate": may_generate(access),
        "queue_down": queue_down,
    }


@register.inclusion_tag("documents/_status_badge.html")
def job_status_badge(job):
    return {"job": job}
