from django.contrib import admin

from .models import DocumentJob


@admin.register(DocumentJob)
class DocumentJobAdmin(admin.ModelAdmin):
    """Read-only: jobs change state only through documents.services."""

    list_display = ["pk", "algorithm", "document", "status", "version", "hash12", "created_at"]
    list_filter = ["status", "document"]
    search_fields = ["algorithm__name", "snapshot_hash"]
    readonly_fields = [f.name for f in DocumentJob._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
