"""Signals of the workspaces app, for the apps above it.

`workspace_event` is sent by workspaces.services for each change to a
workspace's members or settings, inside the change's transaction, so that the
activity feed (filings.models.Activity, kept by filings: filings.activity
connects the receiver) records it with the change or not at all.

Keyword arguments: workspace, by (the user), verb ("member" or "other"),
detail (text, may be ""), data (a JSON object of codes: the feed says it in
the reader's language).
"""

from django.dispatch import Signal

workspace_event = Signal()
