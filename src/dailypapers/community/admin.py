"""The moderation queue: reports (unresolved first) and comments, with actions that go through the
services, so counts stay right and each action is written to the audit log."""

from django.contrib import admin, messages

from dailypapers.community import services
from dailypapers.community.models import Comment, Mention, ModerationAction, Report
from dailypapers.papers.admin import ReadOnlyAdmin


def _ban_authors(modeladmin, request, comments) -> None:
    banned = 0
    for author in {c.author for c in comments if c.author is not None}:
        try:
            services.set_banned(request.user, author, True)
            banned += 1
        except services.CommentError as exc:
            modeladmin.message_user(request, f"{author.username}: {exc}", messages.WARNING)
    modeladmin.message_user(request, f"Banned {banned} member(s).")


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["pk", "paper", "author", "created_at", "edited_at", "deleted_at", "hidden_at"]
    list_select_related = ["paper", "author"]
    list_filter = [("hidden_at", admin.EmptyFieldListFilter), ("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["source", "author__username", "paper__id"]
    raw_id_fields = ["paper", "author", "parent"]
    readonly_fields = ["paper", "author", "parent", "source", "html", "created_at", "edited_at", "deleted_at", "hidden_at"]
    actions = ["hide", "unhide", "ban_authors", "unban_authors"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Hide the selected comments")
    def hide(self, request, queryset):
        for comment in queryset.select_related("author"):
            services.hide_comment(request.user, comment)
        self.message_user(request, "Hidden.")

    @admin.action(description="Unhide the selected comments")
    def unhide(self, request, queryset):
        for comment in queryset.select_related("author"):
            services.unhide_comment(request.user, comment)
        self.message_user(request, "Shown again.")

    @admin.action(description="Ban the authors of the selected comments")
    def ban_authors(self, request, queryset):
        _ban_authors(self, request, queryset.select_related("author"))

    @admin.action(description="Lift the ban on the authors of the selected comments")
    def unban_authors(self, request, queryset):
        authors = {c.author for c in queryset.select_related("author") if c.author is not None and not c.author.is_active}
        for author in authors:
            services.set_banned(request.user, author, False)
        self.message_user(request, f"Lifted the ban on {len(authors)} member(s).")


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["pk", "comment", "reporter", "reason", "created_at", "resolved_at"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["reason", "comment__source", "reporter__username"]
    readonly_fields = ["comment", "reporter", "reason", "created_at", "resolved_at", "resolved_by"]
    actions = ["resolve", "hide_and_resolve", "ban_authors"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("comment__author", "reporter", "resolved_by").order_by("resolved_at", "-created_at")

    def has_add_permission(self, request):
        return False

    @admin.action(description="Resolve the selected reports (no action on the comment)")
    def resolve(self, request, queryset):
        for report in queryset:
            services.resolve_report(request.user, report)
        self.message_user(request, "Resolved.")

    @admin.action(description="Hide the reported comments and resolve the reports")
    def hide_and_resolve(self, request, queryset):
        for report in queryset:
            services.hide_comment(request.user, report.comment)
            services.resolve_report(request.user, report)
        self.message_user(request, "Hidden and resolved.")

    @admin.action(description="Ban the authors of the reported comments")
    def ban_authors(self, request, queryset):
        _ban_authors(self, request, [r.comment for r in queryset])


@admin.register(ModerationAction)
class ModerationActionAdmin(ReadOnlyAdmin):
    """The audit log: read-only."""

    list_display = ["created_at", "moderator", "kind", "comment", "member", "note"]
    list_select_related = ["moderator", "comment__author", "member"]
    list_filter = ["kind"]


@admin.register(Mention)
class MentionAdmin(admin.ModelAdmin):
    list_display = ["comment", "user", "created_at", "notified_at"]
    raw_id_fields = ["comment", "user"]
