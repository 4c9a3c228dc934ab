"""The next deadline of each algorithm's filing, read from the snapshot and
counted on the working-day calendar (workdays)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from workdays.calendar import Deadline, Overrides
from workdays.deadlines import filing_deadline

from .lifecycle import TO_FILE

# What is due next, by code (stored with the algorithm's figures: filings.figures)
# and as the pages say it.
KIND_LABELS = {
    "initial": _("Initial filing due"),
    "change": _("Change filing due"),
    "cancellation": _("Cancellation filing due"),
    "cac_decision": _("CAC decision expected"),
    "file_before_launch": _("File before launch (上线前完成大模型备案)"),
    "register_before_launch": _("Register before launch (上线前完成登记)"),
}


@dataclass(frozen=True)
class NextDeadline:
    label: str
    event: dt.date | None
    # None for "before launch": a precondition of launching, not a date.
    deadline: Deadline | None
    kind: str = ""  # a KIND_LABELS code

    @property
    def due(self) -> dt.date | None:
        return self.deadline.due if self.deadline is not None else None

    @property
    def before_launch(self) -> bool:
        return self.deadline is None


def before_launch(algorithm: dict) -> NextDeadline | None:
    """An unlaunched generative-AI service is filed (大模型备案) or registered (登记)
    before it launches (GAI-2023 Art 17; gai-filing-reference.md §3): no date,
    the launch waits for it. `event` is the planned launch date when given."""
    from .generative import FILING, route

    which = route(algorithm)
    if which is None or algorithm.get("launch_status") == "online":
        return None
    kind = "file_before_launch" if which == FILING else "register_before_launch"
    return NextDeadline(KIND_LABELS[kind], _date(algorithm.get("launch_date")), None, kind)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def change_filing_due(changed_on: dt.date, *, overrides: Overrides | None = None) -> NextDeadline:
    """The one rule for a change filing (变更备案): due 10 working days after the
    filed information changed (L1 Art 24). Used for a change filing in progress
    (from its event date) and for a filed algorithm whose data changed in a 变更
    field and has no change filing yet (filings.changes, from the change's day)."""
    return NextDeadline(
        KIND_LABELS["change"],
        changed_on,
        filing_deadline("change", changed_on, overrides=overrides),
        "change",
    )


def change_filing_owed(upcoming: NextDeadline | None) -> bool:
    """Whether a change filing is to be sent: what is due next is one
    (next_deadline with the clock start of filings.changes.change_status).
    Not while a change is with the CAC (its decision is what is due then),
    nor once a cancellation is under way."""
    return upcoming is not None and upcoming.kind == "change"


def next_deadline(
    algorithm: dict, *, overrides: Overrides | None = None, changed_on: dt.date | None = None
) -> NextDeadline | None:
    """What the provider must do next, and by when; None when nothing is due or the start is unknown.

    `changed_on` is the day the filed data changed in a field the CAC treats as
    a change (filings.changes.change_status), when it did: a filed algorithm
    then owes a change filing."""
    filings = algorithm.get("filings") or []
    latest = filings[-1] if filings else {"kind": "initial", "status": "draft"}
    kind, status = latest.get("kind"), latest.get("status")
    if status == "submitted":
        submitted = _date(latest.get("submitted_on"))
        if submitted:
            return NextDeadline(
                KIND_LABELS["cac_decision"],
                submitted,
                filing_deadline("cac_decision", submitted, overrides=overrides),
                "cac_decision",
            )
        return None
    if status not in TO_FILE:  # (filings.lifecycle)
        if status == "filed" and changed_on is not None:
            return change_filing_due(changed_on, overrides=overrides)
        return None
    if kind == "initial":
        launched = (
            _date(algorithm.get("launch_date"))
            if algorithm.get("launch_status") == "online"
            else None
        )
        if launched:
            return NextDeadline(
                KIND_LABELS["initial"],
                launched,
                filing_deadline("initial", launched, overrides=overrides),
                "initial",
            )
        return before_launch(algorithm)
    event = _date((latest.get("x") or {}).get("event_on"))
    if kind == "change":
        event = event or changed_on
        return change_filing_due(event, overrides=overrides) if event else None
    if event is None:
        return None
    return NextDeadline(
        KIND_LABELS["cancellation"],
        event,
        filing_deadline(kind, event, overrides=overrides),
        "cancellation",
    )


def events_window(document: dict) -> tuple[dt.date, dt.date] | None:
    """The first and last event dates of a document, for loading calendar overrides once."""
    dates = []
    for provider in document.get("providers") or []:
        for algorithm in provider.get("algorithms") or []:
            dates.append(_date(algorithm.get("launch_date")))
            for filing in algorithm.get("filings") or []:
                dates.append(_date(filing.get("submitted_on")))
                dates.append(_date((filing.get("x") or {}).get("event_on")))
    dates = [d for d in dates if d]
    return (min(dates), max(dates)) if dates else None
