from django.contrib import admin

from .models import GenAIRecord, RegistryImport, RegistryRecord


class ReadOnlyAdmin(admin.ModelAdmin):
    """The lists change only through `manage.py import_registry`, never by hand."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RegistryRecord)
class RegistryRecordAdmin(ReadOnlyAdmin):
    list_display = ["filing_number", "algorithm_name", "algorithm_class", "entity_name", "batch"]
    list_filter = ["batch", "algorithm_class", "province"]
    search_fields = ["filing_number", "algorithm_name", "entity_name", "product"]
    ordering = ["-announcement_date", "filing_number"]
    show_full_result_count = False


@admin.register(RegistryImport)
class RegistryImportAdmin(ReadOnlyAdmin):
    list_display = [
        "finished_at",
        "file_name",
        "rows_total",
        "created",
        "updated",
        "unchanged",
        "latest_batch",
    ]


@admin.register(GenAIRecord)
class GenAIRecordAdmin(ReadOnlyAdmin):
    """The generative-AI lists change only through `manage.py import_genai_filings`."""

    list_display = ["number", "kind", "name", "holder", "filed_on_text", "batch"]
    list_filter = ["kind", "batch", "province"]
    search_fields = ["number", "name", "holder"]
    show_full_result_count = False
