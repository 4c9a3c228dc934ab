from celery import shared_task


# The one task whose result is kept (settings: CELERY_TASK_IGNORE_RESULT).
@shared_task(name="suanbei.ping", ignore_result=False)
def ping() -> str:
    """Answers "pong": lets `manage.py check_worker` and the tests prove a worker consumes the queue."""
    return "pong"


@shared_task(name="filings.refresh_figures")
def refresh_figures(algorithm_ids: list[int]) -> None:
    """Recompute the stored figures of these algorithms (filings.figures): a
    change that reached more of them than one request should wait for."""
    from .figures import refresh

    refresh(algorithm_ids)


# Algorithms recomputed per run of the beat task, at most.
STALE_BATCH = 2000


@shared_task(name="filings.refresh_stale_figures")
def refresh_stale_figures() -> int:
    """The figures that are missing, left dirty by a failed refresh, computed on
    an earlier day or with another catalogue or calendar: recomputed."""
    from .figures import refresh, stale_ids

    return refresh(stale_ids(limit=STALE_BATCH))
