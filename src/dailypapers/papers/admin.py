from django.contrib import admin

from dailypapers.papers.models import Author, Authorship, DailyEntry, Organization, Paper, Upvote


class ReadOnlyAdmin(admin.ModelAdmin):
    """An admin page that shows rows and never writes them (audit logs, bookkeeping tables)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuthorshipInline(admin.TabularInline):
    model = Authorship
    raw_id_fields = ["author"]
    extra = 0


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "published_at", "primary_category", "upvotes", "source"]
    list_filter = ["source", "primary_category"]
    search_fields = ["id", "title"]
    readonly_fields = ["upvotes", "member_upvotes", "content_hash", "created_at", "modified_at"]
    raw_id_fields = ["organization"]
    inlines = [AuthorshipInline]


@admin.register(DailyEntry)
class DailyEntryAdmin(admin.ModelAdmin):
    list_display = ["date", "paper", "organization", "submitted_by", "submitted_at"]
    list_filter = ["date"]
    raw_id_fields = ["paper", "submitted_by", "organization"]
    date_hierarchy = "date"


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["slug", "name"]
    search_fields = ["slug", "name"]


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "user"]
    search_fields = ["normalized_name"]
    raw_id_fields = ["user"]


@admin.register(Upvote)
class UpvoteAdmin(admin.ModelAdmin):
    list_display = ["user", "paper", "created_at"]
    raw_id_fields = ["user", "paper"]
