"""Working-day arithmetic on the real chinesecalendar data, without the database.

2026 as chinesecalendar 1.11 has it (State Council notice for 2026):
- Spring Festival: 02-15 (Sun) .. 02-23 (Mon) off; Saturdays 02-14 and 02-28 are workdays.
- Mid-Autumn: 09-25 (Fri) .. 09-27 (Sun) off.
- National Day: 10-01 (Thu) .. 10-07 (Wed) off; Sunday 09-20 and Saturday 10-10 are workdays.
- Its data ends with 2026-12-31; 2027 is outside it.
"""

from datetime import date

import pytest

from workdays.calendar import (
    NO_OVERRIDES,
    Overrides,
    add_workdays,
    day_source,
    has_official_data,
    is_workday,
    official_years,
)


def test_the_built_in_calendar_ends_with_2026():
    assert official_years() == range(2004, 2027)
    assert has_official_data(2026) and not has_official_data(2027)


@pytest.mark.parametrize(
    ("day", "workday"),
    [
        (date(2026, 10, 1), False),  # National Day, Thursday
        (date(2026, 10, 7), False),  # last day of the break, Wednesday
        (date(2026, 10, 8), True),
        (date(2026, 10, 10), True),  # adjusted workday, Saturday
        (date(2026, 10, 11), False),  # ordinary Sunday
        (date(2026, 9, 20), True),  # adjusted workday, Sunday
        (date(2026, 2, 14), True),  # adjusted workday, Saturday
        (date(2026, 2, 23), False),  # Spring Festival, Monday
        (date(2027, 1, 1), True),  # no official data: a Friday counts
        (date(2027, 1, 2), False),  # no official data: a Saturday does not
    ],
)
def test_is_workday_follows_the_official_calendar(day, workday):
    assert is_workday(day, overrides=NO_OVERRIDES) is workday


def test_day_source_says_where_the_answer_came_from():
    overrides = Overrides(days={date(2026, 10, 8): False}, complete_years=frozenset({2028}))
    assert day_source(date(2026, 10, 8), overrides=overrides) == "override"
    assert day_source(date(2026, 10, 9), overrides=overrides) == "official"
    assert day_source(date(2027, 3, 1), overrides=overrides) == "fallback"
    assert day_source(date(2028, 3, 1), overrides=overrides) == "official"


class TestNationalDay2026:
    def test_a_change_on_the_eve_of_the_break_is_due_ten_working_days_later(self):
        # 10-08, 10-09, 10-10 (Sat), 10-12 .. 10-16, 10-19, 10-20
        deadline = add_workdays(date(2026, 9, 30), 10, overrides=NO_OVERRIDES)
        assert deadline.due == date(2026, 10, 20)
        assert deadline.estimated is False and deadline.warning is None

    def test_the_count_skips_mid_autumn_and_national_day(self):
        # 09-28, 09-29, 09-30, 10-08, 10-09, 10-10 (Sat), 10-12 .. 10-15
        assert add_workdays(date(2026, 9, 24), 10, overrides=NO_OVERRIDES).due == date(2026, 10, 15)

    def test_twenty_working_days_run_to_the_end_of_october(self):
        assert add_workdays(date(2026, 9, 24), 20, overrides=NO_OVERRIDES).due == date(2026, 10, 29)

    def test_the_break_does_not_count_when_the_start_falls_in_it(self):
        # Start on a holiday: the count begins the next day, the first working day is 10-08.
        assert add_workdays(date(2026, 10, 3), 10, overrides=NO_OVERRIDES).due == date(2026, 10, 20)
        assert add_workdays(date(2026, 10, 3), 1, overrides=NO_OVERRIDES).due == date(2026, 10, 8)


class TestAdjustedWeekendWorkdays:
    def test_a_sunday_workday_is_the_next_working_day(self):
        # Friday 09-18; Saturday 09-19 is off; Sunday 09-20 is an adjusted workday.
        assert add_workdays(date(2026, 9, 18), 1, overrides=NO_OVERRIDES).due == date(2026, 9, 20)

    def test_a_saturday_workday_is_the_next_working_day(self):
        assert add_workdays(date(2026, 10, 9), 1, overrides=NO_OVERRIDES).due == date(2026, 10, 10)

    def test_an_ordinary_weekend_is_skipped(self):
        assert add_workdays(date(2026, 10, 17), 1, overrides=NO_OVERRIDES).due == date(2026, 10, 19)


class TestSpringFestival2026:
    def test_the_saturday_before_the_break_is_a_workday(self):
        assert add_workdays(date(2026, 2, 13), 1, overrides=NO_OVERRIDES).due == date(2026, 2, 14)

    def test_the_nine_day_break_is_skipped(self):
        assert add_workdays(date(2026, 2, 13), 2, overrides=NO_OVERRIDES).due == date(2026, 2, 24)

    def test_ten_working_days_across_the_festival(self):
        # 02-13, 02-14 (Sat), 02-24 .. 02-27, 02-28 (Sat), 03-02, 03-03, 03-04
        assert add_workdays(date(2026, 2, 12), 10, overrides=NO_OVERRIDES).due == date(2026, 3, 4)


class TestBeyondTheOfficialData:
    def test_a_count_ending_on_the_last_official_day_is_not_an_estimate(self):
        deadline = add_workdays(date(2026, 12, 28), 3, overrides=NO_OVERRIDES)
        assert deadline.due == date(2026, 12, 31)
        assert deadline.estimated is False

    def test_a_count_into_2027_skips_weekends_only_and_says_so(self):
        # 12-29, 12-30, 12-31, then 2027 Monday to Friday: 01-01 (Fri), 01-04 .. 01-08, 01-11
        deadline = add_workdays(date(2026, 12, 28), 10, overrides=NO_OVERRIDES)
        assert deadline.due == date(2027, 1, 11)
        assert deadline.estimated is True
        assert deadline.fallback_years == (2027,)
        assert "2027" in deadline.warning
        assert "only weekends were skipped" in deadline.warning
        assert "An administrator can enter" in deadline.warning

    def test_a_count_across_two_unknown_years_names_both(self):
        deadline = add_workdays(date(2027, 12, 24), 10, overrides=NO_OVERRIDES)
        assert deadline.due == date(2028, 1, 7)
        assert deadline.fallback_years == (2027, 2028)
        assert "calendars for 2027, 2028 are not available" in deadline.warning

    def test_an_entered_holiday_is_skipped(self):
        overrides = Overrides(days={date(2027, 1, 1): False})
        deadline = add_workdays(date(2026, 12, 28), 10, overrides=overrides)
        assert deadline.due == date(2027, 1, 12)
        assert deadline.estimated is True

    def test_a_complete_year_is_no_estimate(self):
        overrides = Overrides(days={date(2027, 1, 1): False}, complete_years=frozenset({2027}))
        deadline = add_workdays(date(2026, 12, 28), 10, overrides=overrides)
        assert deadline.due == date(2027, 1, 12)
        assert deadline.estimated is False and deadline.warning is None


class TestOverridesWinOverTheOfficialData:
    def test_a_working_day_entered_as_off_is_skipped(self):
        overrides = Overrides(days={date(2026, 10, 8): False})
        assert add_workdays(date(2026, 9, 30), 10, overrides=overrides).due == date(2026, 10, 21)

    def test_a_day_off_entered_as_working_counts(self):
        overrides = Overrides(days={date(2026, 10, 11): True})
        assert add_workdays(date(2026, 9, 30), 10, overrides=overrides).due == date(2026, 10, 19)

    def test_an_official_holiday_entered_as_working_counts(self):
        overrides = Overrides(days={date(2026, 10, 1): True})
        assert add_workdays(date(2026, 9, 30), 1, overrides=overrides).due == date(2026, 10, 1)


class TestEdges:
    def test_zero_working_days_is_the_start_itself(self):
        assert add_workdays(date(2026, 10, 3), 0, overrides=NO_OVERRIDES).due == date(2026, 10, 3)

    def test_zero_working_days_beyond_the_data_counts_nothing_so_estimates_nothing(self):
        deadline = add_workdays(date(2027, 6, 1), 0, overrides=NO_OVERRIDES)
        assert deadline.due == date(2027, 6, 1) and deadline.estimated is False

    def test_a_negative_count_is_refused(self):
        with pytest.raises(ValueError, match="0 or more"):
            add_workdays(date(2026, 10, 3), -1, overrides=NO_OVERRIDES)

    def test_the_start_day_is_not_counted_even_when_it_is_a_working_day(self):
        assert add_workdays(date(2026, 9, 28), 1, overrides=NO_OVERRIDES).due == date(2026, 9, 29)
