"""Celery tasks of the workspaces: the invitation email."""

from __future__ import annotations

from celery import shared_task

# SMTP errors are OSErrors: the mail server being away is worth a retry; a
# bad template or a vanished invitation is not.
TRANSIENT_ERRORS = (OSError,)


@shared_task(
    name="workspaces.send_invitation",
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
def send_invitation(invitation_id: int, base_url: str, language: str) -> bool:
    """Email the invitation's link. The token is read from the database, never
    passed as an argument, so it stays out of the broker and the task results."""
    from .services import invitation_send

    return invitation_send(invitation_id, base_url=base_url, language=language)
