"""China's official working-day calendar, as far as an administrator enters it.

The `chinesecalendar` package knows the State Council's holidays and
adjusted workdays (调休) up to the last year it ships data for. These models
hold what it does not know: the official days of later years, entered by an
administrator once the State Council publishes them (usually in November for
the following year), and corrections. workdays.calendar reads them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class CalendarDay(models.Model):
    """One date whose status an administrator has fixed.

    An entry wins over the chinesecalendar data and over the Monday-to-Friday
    rule used for years without official data.
    """

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(
        _("working day"),
        default=False,
        help_text=_(
            "Ticked: people work on this day, e.g. a Saturday or Sunday that is an "
            "adjusted workday. Unticked: a day off, e.g. a public holiday."
        ),
    )
    name = models.CharField(
        _("name"),
        max_length=100,
        blank=True,
        help_text=_("For example 春节 (Spring Festival) or 调休上班 (adjusted workday)."),
    )
    note = models.TextField(
        _("note"),
        blank=True,
        help_text=_("Where the date comes from, e.g. the State Council notice on holidays."),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        status = _("working day") if self.is_workday else _("day off")
        label = f"{self.date:%Y-%m-%d} {status}"
        return f"{label} ({self.name})" if self.name else label


class CalendarYear(models.Model):
    """Whether the administrator has entered a whole year's official calendar.

    For a year without chinesecalendar data, deadlines are marked as estimates
    until its row says `complete`.
    """

    year = models.PositiveSmallIntegerField(
        _("year"), unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    complete = models.BooleanField(
        _("complete"),
        default=False,
        help_text=_(
            "Tick once every official public holiday and every adjusted workday of this "
            "year has been entered as a calendar day. Deadlines in the year then stop "
            "carrying the estimate warning."
        ),
    )
    note = models.TextField(
        _("note"),
        blank=True,
        help_text=_("For example the title and date of the State Council notice."),
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")

    def __str__(self) -> str:
        return str(self.year)
