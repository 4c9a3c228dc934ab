from datetime import date

import pytest

from filings.choices import FilingKind
from workdays.calendar import NO_OVERRIDES, Deadline
from workdays.deadlines import (
    RULES,
    DeadlineKind,
    DeadlineStatus,
    Rule,
    deadline_status,
    filing_deadline,
)


def test_every_filing_kind_has_a_deadline_rule():
    assert set(FilingKind.values) <= set(DeadlineKind.values)
    assert set(RULES) == set(DeadlineKind.values)


def test_the_rule_table_quotes_the_regulation():
    assert {kind: rule.workdays for kind, rule in RULES.items()} == {
        "initial": 10,
        "change": 10,
        "cancellation": 20,
        "cac_decision": 30,
    }
    assert all(not rule.counts_event_day for rule in RULES.values())


@pytest.mark.parametrize(
    ("kind", "event_date", "due"),
    [
        # Launch on Thursday 09-24: Mid-Autumn and National Day are skipped.
        (DeadlineKind.INITIAL, date(2026, 9, 24), date(2026, 10, 15)),
        (DeadlineKind.CHANGE, date(2026, 9, 30), date(2026, 10, 20)),
        (DeadlineKind.CANCELLATION, date(2026, 9, 24), date(2026, 10, 29)),
        # Submission on 09-15: Sunday 09-20 and Saturday 10-10 are among the 30.
        (DeadlineKind.CAC_DECISION, date(2026, 9, 15), date(2026, 11, 2)),
        (DeadlineKind.INITIAL, date(2026, 2, 12), date(2026, 3, 4)),
        ("change", date(2026, 10, 3), date(2026, 10, 20)),
    ],
)
def test_filing_deadlines_on_the_2026_calendar(kind, event_date, due):
    deadline = filing_deadline(kind, event_date, overrides=NO_OVERRIDES)
    assert deadline == Deadline(due=due)


def test_a_deadline_in_2027_is_an_estimate():
    deadline = filing_deadline(
        DeadlineKind.CANCELLATION, date(2026, 12, 28), overrides=NO_OVERRIDES
    )
    # 12-29 .. 12-31, then 2027 Monday to Friday: 01-01, 01-04 .. 01-08, .. 01-22, 01-25
    assert deadline.due == date(2027, 1, 25)
    assert deadline.estimated is True and "2027" in deadline.warning


def test_a_rule_may_count_the_event_day(monkeypatch):
    monkeypatch.setitem(
        RULES,
        DeadlineKind.INITIAL,
        Rule(workdays=10, event="launch", basis="", counts_event_day=True),
    )
    # Monday 09-28 is itself the first of the ten: 09-28 .. 09-30, 10-08 .. 10-10, 10-12 .. 10-15
    assert filing_deadline("initial", date(2026, 9, 28), overrides=NO_OVERRIDES).due == date(
        2026, 10, 15
    )


def test_launch_on_a_working_day_is_not_counted_by_default():
    assert filing_deadline("initial", date(2026, 9, 28), overrides=NO_OVERRIDES).due == date(
        2026, 10, 16
    )


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="registration"):
        filing_deadline("registration", date(2026, 9, 28), overrides=NO_OVERRIDES)


class TestStatus:
    due = Deadline(due=date(2026, 10, 15))

    @pytest.mark.parametrize(
        ("today", "status"),
        [
            (date(2026, 10, 16), DeadlineStatus.OVERDUE),
            (date(2026, 10, 15), DeadlineStatus.DUE_SOON),  # due today
            (date(2026, 10, 12), DeadlineStatus.DUE_SOON),  # 10-13, 10-14, 10-15: the third
            (date(2026, 10, 11), DeadlineStatus.OK),  # Sunday: 10-12, 10-13, 10-14
            (date(2026, 10, 10), DeadlineStatus.OK),  # workday Saturday: the fourth
            (date(2026, 9, 30), DeadlineStatus.OK),
        ],
    )
    def test_around_the_default_threshold_of_three(self, today, status):
        assert deadline_status(self.due, today, overrides=NO_OVERRIDES) == status

    def test_the_national_day_break_brings_a_deadline_near(self):
        due = date(2026, 10, 9)
        # 09-30, 10-08, 10-09: due soon ten calendar days ahead
        assert deadline_status(due, date(2026, 9, 29), overrides=NO_OVERRIDES) == "due_soon"
        # 09-29, 09-30, 10-08
        assert deadline_status(due, date(2026, 9, 28), overrides=NO_OVERRIDES) == "ok"

    def test_the_threshold_is_a_setting(self, settings):
        assert settings.SUANBEI_DUE_SOON_WORKDAYS == 3
        settings.SUANBEI_DUE_SOON_WORKDAYS = 1
        assert deadline_status(self.due, date(2026, 10, 14), overrides=NO_OVERRIDES) == "due_soon"
        assert deadline_status(self.due, date(2026, 10, 13), overrides=NO_OVERRIDES) == "ok"

    def test_a_threshold_of_zero_flags_only_the_due_day(self):
        assert deadline_status(self.due, date(2026, 10, 15), threshold=0) == "due_soon"
        assert deadline_status(self.due, date(2026, 10, 14), threshold=0) == "ok"

    def test_the_status_has_a_label_for_the_ui(self):
        assert DeadlineStatus.DUE_SOON.label == "Due soon"
