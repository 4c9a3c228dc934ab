"""Filing deadlines of the algorithm recommendation regulation (互联网信息服务
算法推荐管理规定), counted in working days on the official calendar.

RULES is the rule table: how many working days each deadline runs, from
which event, and the article that says so. The numbers are quoted from the
regulation; whether the event day counts is our reading (see
calendar.add_workdays), kept per rule so it can be corrected here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .calendar import ONE_DAY, Deadline, Overrides, add_workdays


class DeadlineKind(models.TextChoices):
    # The first three use the codes of filings.choices.FilingKind.
    INITIAL = "initial", _("Initial filing")
    CHANGE = "change", _("Change filing")
    CANCELLATION = "cancellation", _("Cancellation filing")
    CAC_DECISION = "cac_decision", _("CAC decision")


class DeadlineStatus(models.TextChoices):
    OVERDUE = "overdue", _("Overdue")
    DUE_SOON = "due_soon", _("Due soon")
    OK = "ok", _("Not yet due")


@dataclass(frozen=True)
class Rule:
    workdays: int
    event: str | Promise  # what starts the clock, for the UI
    basis: str  # the article, in the regulation's words
    # False: the n-th working day after the event day (民法典 Art 201).
    counts_event_day: bool = False


RULES: dict[str, Rule] = {
    DeadlineKind.INITIAL: Rule(
        workdays=10,
        event=_("start of service"),
        basis="算法推荐管理规定第二十四条第一款：应当在提供服务之日起十个工作日内……履行备案手续",
    ),
    DeadlineKind.CHANGE: Rule(
        workdays=10,
        event=_("change of the filed information"),
        basis="算法推荐管理规定第二十四条第二款：备案信息发生变更的，应当在变更之日起十个工作日内办理变更手续",
    ),
    DeadlineKind.CANCELLATION: Rule(
        workdays=20,
        event=_("end of service"),
        basis="算法推荐管理规定第二十四条第三款：终止服务的，应当在终止服务之日起二十个工作日内办理注销备案手续",
    ),
    DeadlineKind.CAC_DECISION: Rule(
        workdays=30,
        event=_("submission of the filing"),
        basis="算法推荐管理规定第二十五条：收到备案人提交的备案材料后……应当在三十个工作日内予以备案",
    ),
}


def filing_deadline(
    kind: str, event_date: dt.date, *, overrides: Overrides | None = None
) -> Deadline:
    """The deadline of `kind` (a DeadlineKind) for an event on `event_date`."""
    try:
        rule = RULES[kind]
    except KeyError:
        raise ValueError(f"no deadline rule for {kind!r}") from None
    # Counting the event day is counting from the day before it.
    start = event_date - ONE_DAY if rule.counts_event_day else event_date
    return add_workdays(start, rule.workdays, overrides=overrides)


def deadline_status(
    deadline: Deadline | dt.date,
    today: dt.date,
    *,
    threshold: int | None = None,
    overrides: Overrides | None = None,
) -> DeadlineStatus:
    """Overdue after the due date; due soon from `threshold` working days before
    it (settings.SUANBEI_DUE_SOON_WORKDAYS), the due date included."""
    due = deadline.due if isinstance(deadline, Deadline) else deadline
    if today > due:
        return DeadlineStatus.OVERDUE
    if threshold is None:
        threshold = settings.SUANBEI_DUE_SOON_WORKDAYS
    # Every working day takes at least one calendar day: no need to count
    # when the due date is that close anyway.
    if (due - today).days <= threshold:
        return DeadlineStatus.DUE_SOON
    if due <= add_workdays(today, threshold, overrides=overrides).due:
        return DeadlineStatus.DUE_SOON
    return DeadlineStatus.OK
