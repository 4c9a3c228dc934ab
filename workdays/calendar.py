"""Working days on China's official calendar.

Where a day's status comes from, first match wins:

1. "override": a CalendarDay an administrator entered.
2. "official": the chinesecalendar package's copy of the State Council
   notices; or, in a year the administrator marked complete, Monday to
   Friday (every exception of that year has then been entered as an override).
3. "fallback": Monday to Friday, for a year nobody has entered yet. A deadline
   that rests on such a day is an estimate and carries a warning.

Every function takes `overrides=`. Without it, the administrator's entries
for the dates involved are read from the database: one query for the days,
plus one for the years only when the dates reach past chinesecalendar's data.
Tests and list pages pass an `Overrides` they built or loaded once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import chinese_calendar
from django.utils.translation import ngettext

from .models import CalendarDay, CalendarYear

ONE_DAY = dt.timedelta(days=1)

Source = Literal["override", "official", "fallback"]

# chinesecalendar answers for these years and raises NotImplementedError
# outside them (2004..2026 in version 1.11).
_OFFICIAL_YEARS = range(
    min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1
)


def official_years() -> range:
    """The years for which chinesecalendar ships the State Council calendar."""
    return _OFFICIAL_YEARS


def has_official_data(year: int) -> bool:
    return year in _OFFICIAL_YEARS


@dataclass(frozen=True)
class Overrides:
    """The administrator's entries, as the functions of this module read them.

    An `Overrides` passed in is taken to cover every date a function looks
    at: a date missing from `days` has no entry.
    """

    days: Mapping[dt.date, bool] = field(default_factory=dict)  # date -> is a working day
    complete_years: frozenset[int] = frozenset()


NO_OVERRIDES = Overrides()


@dataclass(frozen=True)
class Deadline:
    due: dt.date
    # True when a day up to `due` was judged by the Monday-to-Friday fallback.
    estimated: bool = False
    # Translated text for the UI, set exactly when `estimated` is True.
    warning: str | None = None
    # The years without an official calendar that the count went through.
    fallback_years: tuple[int, ...] = ()


def load_overrides(first: dt.date, last: dt.date) -> Overrides:
    """The administrator's entries for the dates first..last, both included."""
    days = dict(
        CalendarDay.objects.filter(date__range=(first, last)).values_list("date", "is_workday")
    )
    # "Complete" only matters where there is no official data, so the usual
    # computation, inside chinesecalendar's years, costs a single query.
    years = [y for y in range(first.year, last.year + 1) if not has_official_data(y)]
    complete = frozenset()
    if years:
        complete = frozenset(
            CalendarYear.objects.filter(year__in=years, complete=True).values_list(
                "year", flat=True
            )
        )
    return Overrides(days=days, complete_years=complete)


def _status(day: dt.date, overrides: Overrides) -> tuple[bool, Source]:
    if day in overrides.days:
        return overrides.days[day], "override"
    if has_official_data(day.year):
        try:
            return chinese_calendar.is_workday(day), "official"
        except NotImplementedError:
            pass  # a chinesecalendar release with a narrower range than we read
    monday_to_friday = day.weekday() < 5
    if day.year in overrides.complete_years:
        return monday_to_friday, "official"
    return monday_to_friday, "fallback"


def is_workday(day: dt.date, *, overrides: Overrides | None = None) -> bool:
    if overrides is None:
        overrides = load_overrides(day, day)
    return _status(day, overrides)[0]


def day_source(day: dt.date, *, overrides: Overrides | None = None) -> Source:
    """ "override", "official" or "fallback": see the module docstring."""
    if overrides is None:
        overrides = load_overrides(day, day)
    return _status(day, overrides)[1]


def _window(workdays: int) -> dt.timedelta:
    # Calendar days read ahead to find `workdays` working days. The longest
    # official break so far is nine days (Spring Festival 2026); a longer run
    # of days off entered by an administrator only costs another query.
    return dt.timedelta(days=2 * workdays + 31)


def add_workdays(start: dt.date, n: int, *, overrides: Overrides | None = None) -> Deadline:
    """The n-th working day after `start`.

    `start` itself is never counted, working day or not; the count begins the
    next day. That is how Chinese law counts a period (民法典 Art 201: 开始的当日
    不计入，自下一日开始计算), and how we read "之日起十个工作日内" in the
    algorithm regulation. The reading is our inference: deadlines.RULES can
    count the event day instead, per rule. Since the result is itself a
    working day, a period never ends on a holiday (民法典 Art 203).

    n=0 gives `start` unchanged. The deadline is an estimate if any day after
    `start` up to the due date, skipped or counted, was judged by the
    Monday-to-Friday fallback: the official calendar could turn a skipped
    Saturday into a workday as well as a counted weekday into a holiday.
    """
    if n < 0:
        raise ValueError(f"cannot count {n} working days: n must be 0 or more")
    current = overrides
    loaded_until: dt.date | None = None
    fallback_years: set[int] = set()
    day = start
    counted = 0
    while counted < n:
        day += ONE_DAY
        if overrides is None and (loaded_until is None or day > loaded_until):
            loaded_until = day + _window(n - counted)
            current = load_overrides(day, loaded_until)
        workday, source = _status(day, current)
        if source == "fallback":
            fallback_years.add(day.year)
        if workday:
            counted += 1
    return _deadline(day, fallback_years)


def deadline_on(due: dt.date, fallback_years=()) -> Deadline:
    """The Deadline that add_workdays gives for a count that ended on `due` and
    went through `fallback_years`: how a stored deadline is read back."""
    return _deadline(due, set(fallback_years))


def _deadline(due: dt.date, fallback_years: set[int]) -> Deadline:
    if not fallback_years:
        return Deadline(due=due)
    years = tuple(sorted(fallback_years))
    warning = ngettext(
        "The official holiday calendar for %(years)s is not available yet, so only "
        "weekends were skipped and this date is an estimate. An administrator can "
        "enter the year's public holidays and adjusted workdays.",
        "The official holiday calendars for %(years)s are not available yet, so only "
        "weekends were skipped and this date is an estimate. An administrator can "
        "enter those years' public holidays and adjusted workdays.",
        len(years),
    ) % {"years": ", ".join(str(year) for year in years)}
    return Deadline(due=due, estimated=True, warning=warning, fallback_years=years)
