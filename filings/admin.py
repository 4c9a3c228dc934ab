from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Algorithm,
    Attachment,
    Deployment,
    Disclosure,
    Filing,
    ManagementSystem,
    Material,
    Provider,
    Service,
    ThirdPartyModel,
)


class ManagementSystemInline(admin.TabularInline):
    model = ManagementSystem
    extra = 0
    exclude = ["workspace"]


class DeploymentInline(admin.StackedInline):
    model = Deployment
    extra = 0
    exclude = ["workspace"]
    autocomplete_fields = ["service"]


class ThirdPartyModelInline(admin.TabularInline):
    model = ThirdPartyModel
    extra = 0
    exclude = ["workspace"]


class FilingInline(admin.TabularInline):
    model = Filing
    extra = 0
    exclude = ["workspace"]
    # Status changes go through the lifecycle (Filing.transition), not the admin.
    readonly_fields = ["status"]


class WorkspaceChildAdmin(SimpleHistoryAdmin):
    list_select_related = ["workspace"]
    list_filter = ["workspace"]

    def save_formset(self, request, form, formset, change):
        # Inline children belong to the parent's workspace.
        for obj in formset.save(commit=False):
            obj.workspace_id = form.instance.workspace_id
            obj.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


@admin.register(Provider)
class ProviderAdmin(WorkspaceChildAdmin):
    list_display = ["name", "uscc", "entity_type", "workspace"]
    search_fields = ["name", "uscc"]
    inlines = [ManagementSystemInline]


@admin.register(ManagementSystem)
class ManagementSystemAdmin(WorkspaceChildAdmin):
    list_display = ["title", "kind", "provider", "workspace"]
    list_select_related = ["workspace", "provider"]


@admin.register(Service)
class ServiceAdmin(WorkspaceChildAdmin):
    list_display = ["name", "form", "provider", "status", "mau", "workspace"]
    list_select_related = ["workspace", "provider"]
    search_fields = ["name"]


@admin.register(Algorithm)
class AlgorithmAdmin(WorkspaceChildAdmin):
    list_display = ["name", "type", "role", "provider", "workspace"]
    list_select_related = ["workspace", "provider"]
    list_filter = ["workspace", "type", "role"]
    search_fields = ["name"]
    inlines = [DeploymentInline, ThirdPartyModelInline, FilingInline]


@admin.register(Deployment)
class DeploymentAdmin(WorkspaceChildAdmin):
    list_display = ["function_name", "service", "algorithm", "workspace"]
    list_select_related = ["workspace", "service", "algorithm"]


@admin.register(ThirdPartyModel)
class ThirdPartyModelAdmin(WorkspaceChildAdmin):
    list_display = ["name", "vendor", "filing_number", "algorithm"]
    list_select_related = ["workspace", "algorithm"]
    search_fields = ["name", "vendor", "filing_number"]


@admin.register(Disclosure)
class DisclosureAdmin(WorkspaceChildAdmin):
    list_display = ["algorithm", "workspace"]
    list_select_related = ["workspace", "algorithm"]


@admin.register(Filing)
class FilingAdmin(WorkspaceChildAdmin):
    list_display = ["algorithm", "kind", "status", "filing_number", "submitted_on", "filed_on"]
    list_select_related = ["workspace", "algorithm"]
    list_filter = ["workspace", "kind", "status"]
    search_fields = ["filing_number", "algorithm__name"]
    readonly_fields = ["status"]


@admin.register(Attachment)
class AttachmentAdmin(WorkspaceChildAdmin):
    list_display = ["original_name", "slot", "content_type", "size", "workspace"]
    list_filter = ["workspace", "slot"]
    readonly_fields = ["content_type", "size", "sha256", "original_name", "uploaded_by"]


@admin.register(Material)
class MaterialAdmin(admin.ModelAdmin):
    """Corrections to the shipped materials list (filings/data/materials.json):
    a row replaces the entry with its code, adds a new one, or (inactive) removes it."""

    list_display = ["code", "label_zh", "slot", "producer", "active", "position"]
    list_editable = ["active", "position"]
    list_filter = ["producer", "active"]
    search_fields = ["code", "label_zh", "label_en"]
