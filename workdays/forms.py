from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# A State Council notice gives each holiday as a range of at most nine days;
# a longer range is more likely a typo than a holiday.
MAX_RANGE_DAYS = 31

_STATUS_WORDS = {
    "off": False,
    "holiday": False,
    "休": False,
    "work": True,
    "workday": True,
    "班": True,
}


@dataclass(frozen=True)
class DayEntry:
    date: dt.date
    is_workday: bool
    name: str


def _parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            gettext("%(text)s is not a date like 2027-01-01.") % {"text": text}
        ) from None


def _parse_line(line: str) -> list[DayEntry]:
    parts = line.split(maxsplit=2)
    if len(parts) < 2:
        raise ValidationError(gettext("Write a date or a range, then off or work."))
    when, status, name = parts[0], parts[1].lower(), parts[2] if len(parts) > 2 else ""
    if status not in _STATUS_WORDS:
        raise ValidationError(gettext("%(word)s is neither off nor work.") % {"word": parts[1]})
    first_text, _sep, last_text = when.partition("..")
    first = _parse_date(first_text)
    last = _parse_date(last_text) if last_text else first
    if last < first:
        raise ValidationError(gettext("The range ends before it starts."))
    if (last - first).days >= MAX_RANGE_DAYS:
        raise ValidationError(
            gettext("A range may span at most %(max)d days.") % {"max": MAX_RANGE_DAYS}
        )
    days = (first + dt.timedelta(days=i) for i in range((last - first).days + 1))
    return [DayEntry(day, _STATUS_WORDS[status], name.strip()) for day in days]


class BulkEntryForm(forms.Form):
    lines = forms.CharField(
        label=_("Holidays and adjusted workdays"),
        widget=forms.Textarea(attrs={"rows": 16, "cols": 60}),
        help_text=_(
            "One line per holiday or adjusted workday: a date or a range of dates, "
            "then off (a day off) or work (an adjusted workday), then an optional name. "
            "For example “2027-02-06..2027-02-13 off 春节” or “2027-02-14 work 调休上班”. "
            "Lines starting with # are ignored. A date entered before is updated."
        ),
    )

    def clean_lines(self) -> list[DayEntry]:
        entries: dict[dt.date, DayEntry] = {}
        errors = []
        for number, raw in enumerate(self.cleaned_data["lines"].splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            try:
                for entry in _parse_line(line):
                    entries[entry.date] = entry
            except ValidationError as error:
                errors.append(
                    gettext("Line %(number)d: %(problem)s")
                    % {"number": number, "problem": error.messages[0]}
                )
        if errors:
            raise ValidationError(errors)
        if not entries:
            raise ValidationError(gettext("Enter at least one day."))
        return sorted(entries.values(), key=lambda entry: entry.date)
