"""The administrator's entries, read from the database."""

from datetime import date

import pytest

from workdays.calendar import add_workdays, day_source, is_workday, load_overrides
from workdays.deadlines import DeadlineKind, filing_deadline
from workdays.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db


def test_an_entered_2027_holiday_is_skipped_and_the_date_stays_an_estimate():
    CalendarDay.objects.create(date=date(2027, 1, 1), is_workday=False, name="元旦")
    deadline = add_workdays(date(2026, 12, 28), 10)
    assert deadline.due == date(2027, 1, 12)
    assert deadline.estimated is True and "2027" in deadline.warning


def test_a_year_marked_complete_gives_no_warning():
    CalendarDay.objects.create(date=date(2027, 1, 1), is_workday=False, name="元旦")
    CalendarYear.objects.create(year=2027, complete=True)
    deadline = add_workdays(date(2026, 12, 28), 10)
    assert deadline.due == date(2027, 1, 12)
    assert deadline.estimated is False and deadline.warning is None
    assert day_source(date(2027, 1, 4)) == "official"


def test_a_year_entered_but_not_complete_still_warns():
    CalendarYear.objects.create(year=2027, complete=False)
    assert add_workdays(date(2026, 12, 28), 10).estimated is True


def test_an_entered_adjusted_workday_in_2027_counts():
    CalendarDay.objects.create(date=date(2027, 1, 2), is_workday=True, name="调休上班")
    assert is_workday(date(2027, 1, 2)) is True
    # 12-29, 12-30, 12-31, 01-01 (Fri), 01-02 (Sat, entered)
    assert add_workdays(date(2026, 12, 28), 5).due == date(2027, 1, 2)


def test_an_entry_overrides_the_official_data():
    CalendarDay.objects.create(date=date(2026, 10, 8), is_workday=False, name="更正")
    assert day_source(date(2026, 10, 8)) == "override"
    assert filing_deadline(DeadlineKind.CHANGE, date(2026, 9, 30)).due == date(2026, 10, 21)


def test_entries_outside_the_window_are_not_read():
    CalendarDay.objects.create(date=date(2026, 10, 8), is_workday=False)
    CalendarDay.objects.create(date=date(2026, 11, 8), is_workday=True)
    overrides = load_overrides(date(2026, 10, 1), date(2026, 10, 31))
    assert dict(overrides.days) == {date(2026, 10, 8): False}
    assert overrides.complete_years == frozenset()


def test_a_deadline_within_the_official_years_costs_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert add_workdays(date(2026, 9, 24), 30).due == date(2026, 11, 12)


def test_a_deadline_reaching_past_them_costs_two(django_assert_num_queries):
    with django_assert_num_queries(2):
        add_workdays(date(2026, 12, 28), 10)


def test_a_long_run_of_entered_days_off_reads_on_past_the_first_window():
    # The first read covers 2 * 1 + 31 days after 2027-03-01; all of them are off.
    CalendarDay.objects.bulk_create(
        CalendarDay(date=date(2027, 3, day), is_workday=False) for day in range(2, 32)
    )
    CalendarDay.objects.bulk_create(
        CalendarDay(date=date(2027, 4, day), is_workday=False) for day in range(1, 6)
    )
    # 2027-04-06 is a Tuesday, the first day not entered as off.
    assert add_workdays(date(2027, 3, 1), 1).due == date(2027, 4, 6)
