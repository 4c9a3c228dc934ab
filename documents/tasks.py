"""Celery tasks of the documents: render one job, recover stalled jobs, clean up.

The render task takes a job id only; everything it renders is frozen on
the job row. It is idempotent (a claimed job is skipped, a re-run writes
the same bytes to the same name), so it acknowledges its message only
after it ran (acks_late) and a message of a worker that died is delivered
again.
"""

from __future__ import annotations

import logging

from celery import Task, shared_task
from celery.signals import worker_ready
from django.db import close_old_connections

from . import services
from .models import JobError

logger = logging.getLogger(__name__)


class RenderTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        # Retries exhausted, or an error job_run already recorded (then this changes nothing).
        job_id = args[0] if args else kwargs.get("job_id")
        code = JobError.STORAGE if isinstance(exc, OSError) else JobError.RENDER
        services.job_fail(job_id, code, f"{type(exc).__name__}: {exc}")


@shared_task(
    bind=True,
    base=RenderTask,
    name="documents.render",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=services.TRANSIENT_ERRORS,
    retry_backoff=2,
    retry_backoff_max=30,
    retry_jitter=True,
    max_retries=3,
)
def render_document(self, job_id: int) -> str:
    return services.job_run(job_id, worker=services.worker_id())


@shared_task(name="documents.recover_stalled", ignore_result=True)
def recover_stalled() -> list[int]:
    return services.recover_stalled()


@shared_task(name="documents.cleanup_superseded", ignore_result=True)
def cleanup_superseded() -> list[int]:
    return services.cleanup_superseded()


@worker_ready.connect
def _recover_after_restart(sender=None, **kwargs) -> None:
    """A worker that starts picks up what a killed worker left half done."""
    try:
        close_old_connections()
        again = services.recover_stalled()
    except Exception:  # the worker must start even if the database is not there yet
        logger.exception("document jobs: recovery at worker start failed")
        return
    finally:
        from django.db import connections

        # The main process of a prefork pool keeps no connection its children could inherit.
        connections.close_all()
    if again:
        logger.info("document jobs recovered at worker start: %s", again)
