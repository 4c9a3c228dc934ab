from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Answer, Assessment, Risk


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    exclude = ["workspace"]


class RiskInline(admin.TabularInline):
    model = Risk
    extra = 0
    exclude = ["workspace"]


@admin.register(Assessment)
class AssessmentAdmin(SimpleHistoryAdmin):
    list_display = ["algorithm", "assessed_on", "report_date", "workspace"]
    list_select_related = ["workspace", "algorithm"]
    list_filter = ["workspace"]
    inlines = [AnswerInline, RiskInline]

    def save_formset(self, request, form, formset, change):
        for obj in formset.save(commit=False):
            obj.workspace_id = form.instance.workspace_id
            obj.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


@admin.register(Answer)
class AnswerAdmin(SimpleHistoryAdmin):
    list_display = ["item", "status", "assessment"]
    list_select_related = ["assessment__algorithm"]


@admin.register(Risk)
class RiskAdmin(SimpleHistoryAdmin):
    list_display = ["kind", "assessment"]
    list_select_related = ["assessment__algorithm"]
