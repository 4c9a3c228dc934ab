"""The worker's part of reviews: mailing members about review events.

The task takes an Activity id only and is enqueued after the commit that
created the row (reviews.services._notify). It retries only on errors of
the mail connection (smtplib's errors are OSErrors); anything else is a
bug that retrying would not fix. Each recipient's mail is claimed before it
is sent (reviews.notifications), so a retry mails only those not reached.
"""

from __future__ import annotations

from celery import shared_task


@shared_task(
    name="reviews.send_notification",
    autoretry_for=(OSError,),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
    ignore_result=True,
)
def send_notification(activity_id: int) -> int:
    from .notifications import deliver

    return deliver(activity_id)
