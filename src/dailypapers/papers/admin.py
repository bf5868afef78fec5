from django.contrib import admin
from django.core.files.uploadedfile import UploadedFile

from dailypapers.papers.logos import store_logo
from dailypapers.papers.models import Author, Authorship, DailyEntry, Organization, OrganizationMembership, Paper, Upvote


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
    list_display = ["slug", "name", "verified"]
    list_filter = ["verified"]
    search_fields = ["slug", "name"]

    def save_model(self, request, obj, form, change):
        # A new upload is stored through logos.store_logo (re-encoded where Pillow is installed),
        # never as the form's raw file; the field's validator already checked its bytes.
        upload = form.cleaned_data.get("logo") if "logo" in form.changed_data else None
        if isinstance(upload, UploadedFile):
            obj.logo = form.initial.get("logo") or ""
        super().save_model(request, obj, form, change)
        if isinstance(upload, UploadedFile):
            store_logo(obj, upload)


@admin.register(OrganizationMembership)
class OrganizationMembershipAdmin(admin.ModelAdmin):
    """Where site admins make an organization's first admin (a membership: role admin, approved)."""

    list_display = ["organization", "user", "role", "status", "requested_at", "decided_at"]
    list_filter = ["role", "status"]
    search_fields = ["organization__slug", "user__username"]
    raw_id_fields = ["organization", "user", "decided_by"]


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "user"]
    search_fields = ["normalized_name"]
    raw_id_fields = ["user"]


@admin.register(Upvote)
class UpvoteAdmin(admin.ModelAdmin):
    list_display = ["user", "paper", "created_at"]
    raw_id_fields = ["user", "paper"]
