from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .calendar import has_official_data, official_years
from .forms import BulkEntryForm
from .models import CalendarDay, CalendarYear


def _calendar_help() -> str:
    return gettext(
        "Deadlines count working days on China's official calendar. The built-in "
        "calendar covers %(first)d to %(last)d; for a later year, enter every public "
        "holiday as a day off and every adjusted weekend workday as a working day, "
        "then mark the year complete under Calendar years. Until then, deadlines in "
        "that year skip weekends only and are shown as estimates. An entry here also "
        "overrides the built-in calendar."
    ) % {"first": official_years().start, "last": official_years().stop - 1}


@admin.register(CalendarDay)
class CalendarDayAdmin(SimpleHistoryAdmin):
    list_display = ["date", "weekday", "is_workday", "name"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"
    ordering = ["date"]
    search_fields = ["name", "note"]

    @admin.display(description=_("weekday"), ordering="date")
    def weekday(self, obj: CalendarDay) -> str:
        return date_format(obj.date, "l")

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            "calendar_help": _calendar_help(),
            "bulk_entry_url": reverse("admin:workdays_calendarday_bulk"),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        bulk = path(
            "bulk/",
            self.admin_site.admin_view(self.bulk_entry_view),
            name="workdays_calendarday_bulk",
        )
        return [bulk, *super().get_urls()]

    def bulk_entry_view(self, request):
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        form = BulkEntryForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            entries = form.cleaned_data["lines"]
            # All or nothing, so a failed save leaves no half-entered holiday.
            with transaction.atomic():
                for entry in entries:
                    CalendarDay.objects.update_or_create(
                        date=entry.date,
                        defaults={"is_workday": entry.is_workday, "name": entry.name},
                    )
            self.message_user(
                request,
                ngettext("Saved %(count)d day.", "Saved %(count)d days.", len(entries))
                % {"count": len(entries)},
                messages.SUCCESS,
            )
            return redirect("admin:workdays_calendarday_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Enter days in bulk"),
            "calendar_help": _calendar_help(),
            "form": form,
        }
        return TemplateResponse(request, "admin/workdays/calendarday/bulk_entry.html", context)


@admin.register(CalendarYear)
class CalendarYearAdmin(SimpleHistoryAdmin):
    list_display = ["year", "complete", "built_in", "days_entered", "entered_by", "updated_at"]
    list_select_related = ["entered_by"]
    readonly_fields = ["entered_by", "updated_at"]
    actions = ["mark_complete"]

    @admin.display(description=_("built-in calendar"), boolean=True)
    def built_in(self, obj: CalendarYear) -> bool:
        return has_official_data(obj.year)

    @admin.display(description=_("days entered"))
    def days_entered(self, obj: CalendarYear) -> str:
        # One query per row: the table holds one row per year.
        counts = CalendarDay.objects.filter(date__year=obj.year).aggregate(
            off=Count("pk", filter=Q(is_workday=False)),
            work=Count("pk", filter=Q(is_workday=True)),
        )
        return gettext("%(off)d off, %(work)d working") % counts

    def changelist_view(self, request, extra_context=None):
        extra_context = {"calendar_help": _calendar_help(), **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        obj.entered_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Mark the selected years complete"), permissions=["change"])
    def mark_complete(self, request, queryset):
        # Saved one by one, so that each change is recorded in the history.
        for year in queryset:
            year.complete = True
            year.entered_by = request.user
            year.save(update_fields=["complete", "entered_by", "updated_at"])
        self.message_user(
            request,
            ngettext(
                "Marked %(count)d year complete.",
                "Marked %(count)d years complete.",
                len(queryset),
            )
            % {"count": len(queryset)},
            messages.SUCCESS,
        )
