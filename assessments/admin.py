from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from filings.admin import WorkspaceChildAdmin

from .models import Answer, Assessment, CatalogueItem, CatalogueVersion, Metric, Risk


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    exclude = ["workspace"]


class RiskInline(admin.TabularInline):
    model = Risk
    extra = 0
    exclude = ["workspace"]


@admin.register(Assessment)
class AssessmentAdmin(WorkspaceChildAdmin):
    list_display = ["algorithm", "assessed_on", "report_date", "workspace"]
    list_select_related = ["workspace", "algorithm"]
    inlines = [AnswerInline, RiskInline]


@admin.register(Answer)
class AnswerAdmin(SimpleHistoryAdmin):
    list_display = ["item", "status", "assessment"]
    list_select_related = ["assessment__algorithm"]


@admin.register(Risk)
class RiskAdmin(SimpleHistoryAdmin):
    list_display = ["kind", "assessment"]
    list_select_related = ["assessment__algorithm"]


@admin.register(CatalogueVersion)
class CatalogueVersionAdmin(admin.ModelAdmin):
    list_display = ["version", "loaded_at", "source", "sha256"]
    readonly_fields = [
        "version",
        "sha256",
        "source",
        "loaded_at",
        "regulations",
        "areas",
        "report_sections",
        "evidence_kinds",
    ]

    def has_add_permission(self, request):
        # Versions are records of loads (manage.py load_catalogue), not edited by hand.
        return False


@admin.register(CatalogueItem)
class CatalogueItemAdmin(SimpleHistoryAdmin):
    list_display = ["item_id", "area", "position", "question", "active"]
    list_filter = ["active", "area"]
    search_fields = ["item_id", "question_zh", "question_en"]
    ordering = ["position", "item_id"]
    fieldsets = [
        (None, {"fields": ["item_id", "area", "position", "active", "version"]}),
        (_("Question"), {"fields": ["question_zh", "question_en"]}),
        (_("Statement in the report"), {"fields": ["statement_zh", "statement_en"]}),
        (_("Guidance"), {"fields": ["guidance_zh", "guidance_en"]}),
        (
            _("Evidence, basis and applicability"),
            {"fields": ["evidence", "basis", "applies_when", "metrics"]},
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        # Answers refer to the id: renaming it would orphan them.
        return ["item_id", "version"] if obj else ["version"]


@admin.register(Metric)
class MetricAdmin(SimpleHistoryAdmin):
    list_display = ["metric_id", "label", "comparator", "threshold", "unit", "confidence", "active"]
    list_filter = ["active", "confidence", "unit"]
    search_fields = ["metric_id", "label_zh", "label_en"]
    ordering = ["position", "metric_id"]

    def get_readonly_fields(self, request, obj=None):
        return ["metric_id"] if obj else []
