from django.contrib import admin

from .models import Comment, CommentThread, Decision, Notification, ReviewRequest, ReviewSettings


@admin.register(ReviewSettings)
class ReviewSettingsAdmin(admin.ModelAdmin):
    list_display = ["workspace", "required_approvals"]
    autocomplete_fields = ["workspace"]


class DecisionInline(admin.TabularInline):
    model = Decision
    extra = 0
    fields = ["reviewer", "verdict", "note", "current", "created_at"]
    readonly_fields = fields


@admin.register(ReviewRequest)
class ReviewRequestAdmin(admin.ModelAdmin):
    list_display = ["filing", "requested_by", "created_at", "closed_at"]
    list_select_related = ["filing__algorithm", "requested_by"]
    raw_id_fields = ["filing", "requested_by"]
    filter_horizontal = ["reviewers"]
    inlines = [DecisionInline]


class CommentInline(admin.TabularInline):
    model = Comment
    extra = 0
    fields = ["author", "body", "created_at"]
    readonly_fields = ["created_at"]
    raw_id_fields = ["author"]


@admin.register(CommentThread)
class CommentThreadAdmin(admin.ModelAdmin):
    list_display = ["filing", "anchor", "source", "author", "created_at", "resolved_at"]
    list_filter = ["source"]
    list_select_related = ["filing__algorithm", "author"]
    raw_id_fields = ["filing", "author", "resolved_by"]
    inlines = [CommentInline]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["activity", "email", "created_at", "sent_at"]
    raw_id_fields = ["activity", "recipient"]
