"""The activity feed's records of what happens in the workspaces app below
filings (members, settings): workspaces.signals.workspace_event, recorded
as an Activity in the sender's transaction."""

from __future__ import annotations


def _record(sender, *, workspace, by, verb: str, detail: str = "", data=None, **kwargs) -> None:
    from .models import Activity

    Activity.objects.create(
        workspace=workspace, actor=by, verb=verb, detail=detail or "", data=data or {}
    )


def connect() -> None:
    from workspaces.signals import workspace_event

    workspace_event.connect(_record, dispatch_uid="filings-activity-workspace-event")
